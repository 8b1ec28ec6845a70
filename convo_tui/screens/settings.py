"""The settings modal: every inbox setting, validated by the core, saved as soon as it changes."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Select, Static, Switch
from textual.worker import Worker

from convo_tui.core import settings as settings_mod
from convo_tui.errors import ConvoError
from convo_tui.session.desk import Desk, SettingsView
from convo_tui.widgets.worker_errors import report_failure


def field_id(key: str) -> str:
    return "setting-" + key.replace(".", "--")


def key_of(widget_id: str | None) -> str:
    return (widget_id or "").removeprefix("setting-").replace("--", ".")


class SettingsModal(ModalScreen[None]):
    """One row per setting; a change is saved at once, or its error shown beside it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="settings.close")
    ]

    class Loaded(Message):
        def __init__(self, view: SettingsView) -> None:
            super().__init__()
            self.view = view

    class Saved(Message):
        def __init__(self, key: str, value: Any, error: str | None) -> None:
            super().__init__()
            self.key = key
            self.value = value
            self.error = error

    def __init__(self, desk: Desk) -> None:
        super().__init__(classes="modal")
        self.desk = desk
        self.saved: dict[str, str] = {}
        """Each setting as last saved, as text (to save only real changes)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="settings-dialog"):
            yield Static(
                Text("Settings — saved as you change them (enter or leave a field)", style="bold"),
                classes="title",
            )
            yield Static(Text("Loading…", style="dim"), id="settings-note")
            yield VerticalScroll(id="settings-fields")

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exit_on_error=False, group="settings")
    def _load(self) -> None:
        self.post_message(self.Loaded(self.desk.settings()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    @on(Loaded)
    async def _build(self, message: Loaded) -> None:
        view = message.view
        note = self.query_one("#settings-note", Static)
        if view.may_change:
            note.update(Text("Team settings, shared by every agent of this store.", style="dim"))
        else:
            note.update(Text("Only owners, admins and managers may change settings.", style="bold"))
        rows: list[Widget] = []
        for key, spec in settings_mod.SPECS.items():
            value = view.values.get(key)
            self.saved[key] = settings_mod.value_text(value)
            # What to type, where it is typed (a switch or a list says it already).
            typed = not isinstance(spec.default, bool) and not spec.choices
            help_text = f"{spec.help} ({spec.kind})" if typed else spec.help
            control: Widget
            if isinstance(spec.default, bool):
                control = Switch(value=bool(value), id=field_id(key), disabled=not view.may_change)
            elif spec.choices:
                control = Select[str](
                    [(Text(choice), choice) for choice in spec.choices],
                    value=str(value),
                    allow_blank=False,
                    id=field_id(key),
                    disabled=not view.may_change,
                    compact=True,
                )
            else:
                control = Input(
                    settings_mod.value_text(value),
                    id=field_id(key),
                    disabled=not view.may_change,
                    compact=True,
                )
            rows.append(
                Vertical(
                    Horizontal(
                        Static(Text(key, style="bold"), classes="setting-key"),
                        control,
                        classes="setting-row",
                    ),
                    Static(Text(help_text, style="dim"), classes="setting-help"),
                    Static(Text(""), classes="setting-error", id=f"error-{field_id(key)}"),
                    classes="setting",
                )
            )
        fields = self.query_one("#settings-fields", VerticalScroll)
        await fields.remove_children()
        await fields.mount_all(rows)
        first = fields.query("Switch, Input, Select").first()
        first.focus()

    def _save(self, key: str, text: str) -> None:
        if self.saved.get(key) == text:
            return
        self._save_worker(key, text)

    @work(thread=True, exit_on_error=False, group="settings-save")
    def _save_worker(self, key: str, text: str) -> None:
        try:
            value = self.desk.set_setting(key, text)
        except ConvoError as exc:
            self.post_message(self.Saved(key, None, exc.line()))
            return
        self.post_message(self.Saved(key, value, None))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        error = self.query_one(f"#error-{field_id(message.key)}", Static)
        if message.error is not None:
            error.update(Text(message.error, style="bold red"))
            self._show_saved(message.key)
            return
        text = settings_mod.value_text(message.value)
        self.saved[message.key] = text
        error.update(Text("saved", style="green"))
        widget = self.query_one(f"#{field_id(message.key)}")
        if isinstance(widget, Input) and widget.value != text:
            widget.value = text
        self.notify(f"Saved {message.key}", timeout=2, markup=False)

    def _show_saved(self, key: str) -> None:
        """A refused switch or choice goes back to what is stored (a typed text stays, to
        be corrected); its Changed event then matches `saved` and saves nothing."""
        widget = self.query_one(f"#{field_id(key)}")
        stored = self.saved.get(key, "")
        if isinstance(widget, Switch):
            widget.value = stored == "on"
        elif isinstance(widget, Select):
            widget.value = stored

    @on(Switch.Changed)
    def _switched(self, event: Switch.Changed) -> None:
        self._save(key_of(event.switch.id), "on" if event.value else "off")

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self._save(key_of(event.select.id), str(event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self._save(key_of(event.input.id), event.value)

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        self._save(key_of(event.input.id), event.value)
