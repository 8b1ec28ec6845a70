"""`convo doctor`: one line per check saying what is wrong and how to fix it."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from typing import Annotated

import typer
from rich.text import Text
from sqlmodel import col, select

from convo_tui import file_modes, paths
from convo_tui.cli.app import AgentOption, DbOption, app, runtime
from convo_tui.cli.runtime import Runtime
from convo_tui.config import Config
from convo_tui.display import ago
from convo_tui.errors import ConvoError
from convo_tui.store.engine import Store
from convo_tui.text import one_line

Checked = str | tuple[str, list[str]]
"""A check's line, or its line and warnings (one line each; they fail nothing)."""
Check = Callable[[Runtime], Checked]


def _config(rt: Runtime) -> Checked:
    rt._config = None  # read afresh, [keys] table included
    config = rt.config
    if config.source is None:
        return "config: no config file; CONVO_* variables only"
    warnings = []
    mode = file_modes.open_to_others(config.source)
    if mode is not None and _has_secrets(config):
        warnings.append(
            f"config: {config.source} holds secrets and other users can read it "
            f"(mode {mode:o}) — {file_modes.fix(config.source)}"
        )
    return f"config: {config.source}", warnings


def _has_secrets(config: Config) -> bool:
    """Whether the config file (not a CONVO_* variable) sets a password, token or key."""
    assert config.source is not None
    try:
        raw = tomllib.loads(config.source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True  # read a moment ago: say it rather than guess
    sections = {name: raw.get(name) for name in ("twilio", "klaviyo", "smtp")}
    for section, key in SECRETS:
        table = sections[section]
        if isinstance(table, dict) and table.get(key):
            return True
    url = raw.get("database_url")
    return isinstance(url, str) and _has_password(url)


def _has_password(url: str) -> bool:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return bool(make_url(url).password)
    except ArgumentError:
        return False


SECRETS = [
    ("twilio", "auth_token"),
    ("twilio", "api_key_secret"),
    ("klaviyo", "api_key"),
    ("smtp", "password"),
]


def _store(rt: Runtime) -> Checked:
    from sqlalchemy.exc import DatabaseError

    from convo_tui.store import dialect
    from convo_tui.store.schema import current_revision, head_revision

    store = rt.store
    damaged = ConvoError(
        f"{store.label} is damaged (the integrity check found %s)",
        "stop every convo on it and restore the newest backup; nothing was changed",
    )
    try:
        with store.engine.connect() as conn:
            problems = dialect.quick_check(conn)
            revision = current_revision(conn)
    except DatabaseError as exc:
        damaged.what %= str(exc.orig).splitlines()[0] if exc.orig else "an unreadable file"
        raise damaged from None
    if problems:
        damaged.what %= f"{len(problems)} problem{'s' * (len(problems) > 1)}: {problems[0][:80]}"
        raise damaged
    checked = ", integrity checked" if problems is not None else ""
    line = f"store: {store.label} (schema {revision}, current {head_revision()}{checked})"
    return line, _store_warnings(store) + _quarantine_warnings(rt) + _opt_out_warnings(rt)


def _opt_out_warnings(rt: Runtime) -> list[str]:
    """Possible opt-outs nobody decided on, and opt-outs Klaviyo has not taken yet."""
    from convo_tui.core import opt_out_review

    with rt.store.read() as session:
        waiting, oldest = opt_out_review.count_open(session)
        pending = opt_out_review.klaviyo_pending(session)
        refused = opt_out_review.klaviyo_refused(session)
        why = opt_out_review.klaviyo_error(session) if refused else None
    found = []
    if waiting:
        found.append(
            f"opt-outs: {waiting} possible opt-out{'s' * (waiting != 1)} "
            f"wait{'s' * (waiting == 1)} for a decision "
            f"(oldest {ago(oldest, rt.now)}); their replies are held — see: convo opt-outs list"
        )
    if pending:
        found.append(
            f"klaviyo: {pending} customer{'s' * (pending != 1)} opted out here, not yet at "
            "Klaviyo: its campaigns may still text them"
            + (f" ({why})" if why else "; the next sync writes them")
        )
    return found


def _quarantine_warnings(rt: Runtime) -> list[str]:
    """Provider records the sync set aside as unreadable (sync.quarantine): kept raw."""
    from convo_tui.store.models import QuarantinedRecord
    from convo_tui.sync import quarantine

    with rt.store.read() as session:
        found = quarantine.summary(session)
        newest = session.exec(
            select(QuarantinedRecord).order_by(col(QuarantinedRecord.last_seen).desc())
        ).first()
    if not found.records or newest is None:
        return []
    raw = one_line(newest.raw, 120)
    return [
        f"sync: {found.records} provider record{'s' * (found.records != 1)} set aside as "
        f"unreadable, the newest from {newest.stream}: {one_line(newest.reason, 120)} "
        f"(raw: {raw}) — the rest of the stream is stored; tell the provider if it stays"
    ]


def _store_warnings(store: Store) -> list[str]:
    database = store.sqlite_file
    if database is None:
        return []
    return [f"store: {line}" for line in file_modes.store_warnings(database, paths.data_dir())]


def _agent(rt: Runtime) -> str:
    with rt.reading() as (_session, me):
        return f"agent: {me.login} ({me.role})"


def _auto_reply(rt: Runtime) -> str:
    """The settings its template uses: empty ones are named, so a fresh store's line
    says what to set, and an auto-reply left on with one emptied is a failure."""
    from convo_tui.core import settings as settings_mod

    with rt.reading() as (session, _me):
        values = settings_mod.as_dict(settings_mod.load(session))
    missing = settings_mod.empty_template_settings(values)
    if values["auto_reply.enabled"]:
        if missing:
            raise ConvoError(
                f"auto-reply is on but {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} empty, so none is sent",
                f"set it: {settings_mod.how_to_set(missing[0])}",
            )
        return f"auto-reply: on (to {values['auto_reply.audience']}), its template filled in"
    if missing:
        return (
            f"auto-reply: off; to turn it on, first set {' and '.join(missing)} "
            f"({settings_mod.how_to_set(missing[0])})"
        )
    return "auto-reply: off (convo settings set auto_reply.enabled on)"


def _twilio(rt: Runtime) -> str:
    from convo_tui.providers import factory
    from convo_tui.providers.http import RetryPolicy

    client = factory.twilio_client(rt.config, RetryPolicy(attempts=1))
    try:
        next(iter(client.list_pages(page_size=1)))
    finally:
        client.close()
    tw = rt.config.twilio
    sender = tw.from_number or tw.messaging_service_sid
    return f"twilio: {tw.base_url} answers for {tw.account_sid[:6]}… (sender {sender})"


def _klaviyo(rt: Runtime) -> str:
    from convo_tui.providers import factory
    from convo_tui.providers.http import RetryPolicy

    client = factory.klaviyo_client(rt.config, RetryPolicy(attempts=1))
    if client is None:
        return (
            "klaviyo: not configured (profiles, activity and orders will not sync; "
            "set CONVO_KLAVIYO_API_KEY)"
        )
    try:
        metrics = client.metrics()
    finally:
        client.close()
    return f"klaviyo: {rt.config.klaviyo.base_url} answers ({len(metrics)} metrics)"


def _smtp(rt: Runtime) -> str:
    from convo_tui.core.email_notify import MailFailed
    from convo_tui.providers.smtp import SmtpTransport

    smtp = rt.config.smtp
    if not smtp.host:
        return "smtp: not configured (email notifications off)"
    transport = SmtpTransport(smtp)
    problem = transport.problem()
    try:
        if problem is not None:
            raise MailFailed(problem)
        with transport.session():
            pass  # connected, encrypted as configured and logged in
    except MailFailed as exc:
        raise ConvoError(
            f"cannot use the SMTP server {transport.where()} ({exc.reason})",
            "check CONVO_SMTP_HOST, _PORT, _SECURITY, _FROM and the credentials",
        ) from None
    return f"smtp: {smtp.host}:{smtp.port} accepts us ({smtp.security})"


CHECKS: list[tuple[str, Check]] = [
    ("config", _config),
    ("store", _store),
    ("agent", _agent),
    ("auto-reply", _auto_reply),
    ("twilio", _twilio),
    ("klaviyo", _klaviyo),
    ("smtp", _smtp),
]


@app.command()
def doctor(
    ctx: typer.Context,
    db: DbOption = None,
    agent: AgentOption = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only these checks (repeatable).")
    ] = None,
) -> None:
    """Check the configuration, the store, the providers and SMTP; one line per check."""
    rt = runtime(ctx, db, agent)
    rt.warns = False  # the store check lists what others can read
    failed: list[tuple[str, ConvoError]] = []
    for name, check in CHECKS:
        if only and name not in only:
            continue
        try:
            checked = check(rt)
        except ConvoError as exc:
            failed.append((name, exc))
            rt.out.print(Text("✗ ", style="bold red") + Text(f"{name}: {exc.line()}"))
            if name in ("config", "store"):
                break  # the other checks need these
        else:
            line, warnings = (checked, []) if isinstance(checked, str) else checked
            rt.out.print(Text("✓ ", style="bold green") + Text(line))
            for warning in warnings:
                rt.out.print(Text("! ", style="bold yellow") + Text(warning))
    if failed:
        # One line on stderr too, as for every failing command: the first failure in full.
        (name, first), more = failed[0], len(failed) - 1
        also = f" (and {more} more check{'s' if more > 1 else ''}: see above)" if more else ""
        raise DoctorFailed(f"{name}: {first.what}{also}", first.fix)


class DoctorFailed(ConvoError):
    exit_code = 7
