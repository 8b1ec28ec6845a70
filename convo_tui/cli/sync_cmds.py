"""`convo sync` and `convo sandbox`: pulling from the providers, and the local sandbox."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import httpx
import typer
from rich.text import Text

from convo_tui import clock, phones
from convo_tui.cli.app import DbOption, app, runtime
from convo_tui.errors import ConvoError, StoreUnreachable

if TYPE_CHECKING:
    from convo_tui.sync.engine import SyncReport

sandbox_app = typer.Typer(help="The embedded sandbox provider (Twilio + Klaviyo wire protocols).")
app.add_typer(sandbox_app, name="sandbox")


COUNTS = ("messages", "updates", "profiles", "events", "orders", "sent", "failed")
"""The SyncReport counters a --follow round line names."""


def _summary(r: SyncReport) -> str:
    parts = [
        f"{r.messages} new messages",
        f"{r.updates} delivery updates",
        f"{r.profiles} profiles",
        f"{r.events} events",
        f"{r.orders} orders",
        f"{r.sent} replies sent",
    ]
    if r.failed:
        parts.append(f"{r.failed} failed")
    if r.reconciled:
        parts.append(f"{r.reconciled} found already sent")
    if r.in_doubt:
        parts.append(
            f"{r.in_doubt} repl{'y' if r.in_doubt == 1 else 'ies'} in doubt"
            " (looked up at the provider before any resend)"
        )
    if r.quarantined:
        parts.append(
            f"{r.quarantined} record{'s' * (r.quarantined != 1)} set aside"
            " (unreadable; kept raw, see convo doctor)"
        )
    if r.waited:
        parts.append(f"{r.waited:.1f}s waiting (backoff, rate limits)")
    return ", ".join(parts)


@app.command()
def sync(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run one round and exit.")] = False,
    follow: Annotated[bool, typer.Option("--follow", help="Keep syncing until Ctrl-C.")] = False,
    interval: Annotated[
        float,
        typer.Option(
            "--interval", min=1.0, max=86400.0, help="Seconds between rounds with --follow."
        ),
    ] = 15.0,
    db: DbOption = None,
) -> None:
    """Pull messages, delivery updates, profiles, events and orders; push queued replies."""
    from convo_tui.sync.lock import Holder, SyncBusy, SyncLost
    from convo_tui.sync.runner import LOCK_RETRY, outage_pause, sync_engine
    from convo_tui.sync.status import SyncStatus, short_reason

    if once == follow:
        raise ConvoError(
            "say --once or --follow", "--once runs one round, --follow keeps going until Ctrl-C"
        )
    rt = runtime(ctx, db)
    config = rt.config
    store = rt.store
    if once:
        with sync_engine(store, config, holder=Holder.me("once")) as engine:
            report = engine.run_once()
        rt.out.print(f"Synced: {_summary(report)}.")
        if report.errors:
            raise ConvoError(
                f"sync finished with {len(report.errors)} error(s): " + "; ".join(report.errors),
                "the next round tries again",
            )
        return
    # One line per round (and per error): readable at 80 columns and in a pipe or a log.
    rt.out.print(Text(f"convo sync --follow: round #n every {interval:g}s; Ctrl-C stops."))
    rounds = 0
    last_ok: datetime | None = None
    told: list[str] = []
    stop = threading.Event()
    pause = 0.0
    service = Holder.me("service")
    waiting = ""  # who held the lock at the last try: said once, not every second
    while not stop.is_set():
        try:
            with store.translated(), sync_engine(store, config, holder=service) as engine:
                if waiting:
                    rt.out.print(Text(f"{_now():%H:%M:%S}: took the sync lock; syncing"))
                    waiting = ""
                for report in engine.follow(interval, stop):
                    pause = 0.0
                    rounds += 1
                    if not report.errors:
                        last_ok = report.finished
                    now = _now()
                    stamp = f"{now:%H:%M:%S} #{rounds}"
                    rt.out.print(Text(f"{stamp}: {_round_line(report)}"))
                    if report.errors:
                        # The words of the terminal inbox's status line, then the errors whole
                        # (wrapped, never cut), once while they stay the same.
                        state = SyncStatus("failing", last_ok, short_reason(report.errors[0]))
                        rt.out.print(Text(f"{stamp}: {state.describe(now)}"))
                        if report.errors != told:
                            for error in report.errors:
                                rt.out.print(Text(f"{stamp}: error: {error}"))
                    told = report.errors
        except SyncBusy as exc:
            # A terminal inbox (or another service) syncs: wait and take over when it stops.
            who = exc.holder.status_words() if exc.holder else "sync by another process"
            if who != waiting:
                rt.out.print(Text(f"{_now():%H:%M:%S}: {who}; waiting to take over"))
                waiting = who
            try:
                stop.wait(LOCK_RETRY)
            except KeyboardInterrupt:
                stop.set()
        except (StoreUnreachable, SyncLost) as exc:
            # A server outage ends by itself: say so once a try, wait (backoff), try again.
            pause = outage_pause(pause)
            rt.out.print(Text(f"{_now():%H:%M:%S}: {exc.what}; retrying in {pause:g}s"))
            try:
                stop.wait(pause)
            except KeyboardInterrupt:
                stop.set()
        except KeyboardInterrupt:
            stop.set()
    rt.out.print(Text(f"Stopped after {rounds} round(s)."))


def _now() -> datetime:
    return clock.utcnow().astimezone()


def _counted(r: SyncReport) -> str:
    """The counters that are not zero, in order: "12 messages, 3 updates"."""
    names = {"sent": "sent", "in_doubt": "in doubt"}
    counted = (*COUNTS, "reconciled", "in_doubt")
    parts = [f"{getattr(r, n)} {names.get(n, n)}" for n in counted if getattr(r, n)]
    if r.errors:
        parts.append(f"{len(r.errors)} error{'s' if len(r.errors) > 1 else ''}")
    return ", ".join(parts)


RATE_FITS = 60


def _round_line(r: SyncReport) -> str:
    line = _counted(r) or "nothing new"
    if r.finished is not None and (r.messages or r.updates):
        seconds = max((r.finished - r.started).total_seconds(), 0.001)
        rate = f" ({(r.messages + r.updates) / seconds:.0f}/s)"
        if len(line + rate) <= RATE_FITS:  # within 80 columns with the time and round
            line += rate
    if r.waited:
        line += f", {r.waited:.1f}s waiting (backoff, rate limits)"
    return line


@sandbox_app.command("serve")
def sandbox_serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8765,
    seed: Annotated[int, typer.Option(help="Seed of the simulation.")] = 2026,
    simulate: Annotated[
        bool, typer.Option("--simulate/--no-simulate", help="Customers text in by themselves.")
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0.5, help="Seconds between simulated happenings.")
    ] = 6.0,
) -> None:
    """Serve the Twilio- and Klaviyo-compatible sandbox with the demo data until Ctrl-C."""
    from convo_tui.sandbox import Sandbox

    sandbox = Sandbox(host=host, port=port, seed=seed, simulate=simulate, interval=interval)
    typer.echo("# Point convo at this sandbox:")
    for line in sandbox.exports():
        typer.echo(line)
    typer.echo(
        f"# Serving on {sandbox.base_url}"
        + (" (simulating)" if simulate else "")
        + "; Ctrl-C stops.",
        err=True,
    )
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


@sandbox_app.command("text")
def sandbox_text(
    ctx: typer.Context,
    body: Annotated[str, typer.Argument(help="What the customer writes.")],
    sender: Annotated[str, typer.Option("--from", help="The customer's phone number.")],
    media: Annotated[
        list[str] | None, typer.Option("--media", help="An attachment URL (repeatable).")
    ] = None,
) -> None:
    """Make a customer text the business, in the sandbox the config points at."""
    from convo_tui.providers.factory import check_twilio
    from convo_tui.sandbox.server import control_url

    rt = runtime(ctx)
    tw = rt.config.twilio
    check_twilio(tw)
    phone = phones.normalize(sender)
    form: dict[str, str | list[str]] = {"From": phone, "Body": body}
    if media:
        form["MediaUrl"] = list(media)
    url = control_url(tw.base_url, "text")
    try:
        answer = httpx.post(url, data=form, auth=(tw.account_sid, tw.auth_token), timeout=10)
    except httpx.HTTPError as exc:
        raise ConvoError(
            f"cannot connect to the sandbox at {tw.base_url} ({type(exc).__name__})",
            "start it with `convo sandbox serve` and export the lines it prints",
        ) from None
    if answer.status_code == 404:
        raise ConvoError(
            f"{tw.base_url} is not a convo sandbox",
            "`convo sandbox text` only works against `convo sandbox serve`",
        )
    if answer.status_code >= 400:
        try:
            message = str(answer.json().get("message"))
        except ValueError:
            message = answer.reason_phrase
        raise ConvoError(f"the sandbox refused the text ({answer.status_code}): {message}", "")
    rt.out.print(f"{phones.pretty(phone)} texted the business: {answer.json()['sid']}")
