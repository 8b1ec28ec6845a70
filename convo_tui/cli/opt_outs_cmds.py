"""`convo opt-outs`: texts that read as a request to stop, waiting for an agent's decision."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from convo_tui import phones
from convo_tui.cli.app import AgentOption, DbOption, JsonOption, app, runtime
from convo_tui.core import opt_out_review, profiles
from convo_tui.display import ago, safe
from convo_tui.errors import BadInput

opt_outs_app = typer.Typer(
    help="Possible opt-outs waiting for a decision (replies to them are held).",
    no_args_is_help=True,
)
app.add_typer(opt_outs_app, name="opt-outs")


@opt_outs_app.command("list")
def opt_outs_list(
    ctx: typer.Context, as_json: JsonOption = False, db: DbOption = None, agent: AgentOption = None
) -> None:
    """List the possible opt-outs nobody decided on yet, oldest first, with their age."""
    rt = runtime(ctx, db, agent)
    with rt.reading() as (session, _me):
        flags = opt_out_review.open_flags(session)
    if as_json:
        rt.print_json(
            [
                {
                    "phone": f.phone,
                    "name": f.name,
                    "phrase": f.phrase,
                    "text": f.body,
                    "flagged_at": f.flagged_at.isoformat(),
                    "escalated": f.escalated,
                }
                for f in flags
            ]
        )
        return
    if not flags:
        rt.out.print(Text("No possible opt-outs wait for a decision."))
        return
    table = Table(box=None, pad_edge=False)
    for column in ("age", "customer", "phone", "text"):
        table.add_column(column, no_wrap=column != "text", overflow="ellipsis")
    for f in flags:
        age = Text(ago(f.flagged_at, rt.now), style="bold red" if f.escalated else "")
        table.add_row(age, safe(f.name), phones.pretty(f.phone), safe(f.body))
    rt.out.print(table)
    rt.out.print(
        Text("Decide: convo opt-outs resolve PHONE --opt-out | --not --reason TEXT", style="dim")
    )


@opt_outs_app.command("resolve")
def opt_outs_resolve(
    ctx: typer.Context,
    phone: Annotated[str, typer.Argument(help="The customer's phone number.")],
    opt_out: Annotated[
        bool, typer.Option("--opt-out", help="They asked to stop: remove consent.")
    ] = False,
    not_opt_out: Annotated[
        bool, typer.Option("--not", help="Not a request to stop texts (give --reason).")
    ] = False,
    reason: Annotated[
        str, typer.Option("--reason", help="Why (needed with --not; kept in the audit log).")
    ] = "",
    db: DbOption = None,
    agent: AgentOption = None,
) -> None:
    """Decide on a possible opt-out: --opt-out, or --not with the reason. Audited."""
    if opt_out and not_opt_out:
        raise BadInput("--opt-out and --not contradict each other", "give one of them")
    if not opt_out and not not_opt_out:
        raise BadInput(
            "say what it is: --opt-out or --not",
            'e.g. convo opt-outs resolve +14155550123 --not --reason "asked about an order"',
        )
    rt = runtime(ctx, db, agent)
    with rt.acting() as (session, me):
        found = profiles.find(session, phone, rt.settings(session).phone_default_region)
        done = opt_out_review.resolve(
            session, found, me, opt_out=opt_out, reason=reason, now=rt.now
        )
    rt.out.print(safe(done.note))
