"""`convo bench`: the synthetic store generator and the benchmark run behind `make bench`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from convo_tui.cli.app import app
from convo_tui.errors import ConvoError

bench_app = typer.Typer(
    help="Benchmarks: a synthetic store of any size, and every figure beside its floor.",
    no_args_is_help=True,
)
app.add_typer(bench_app, name="bench")


@bench_app.command()
def generate(
    conversations: Annotated[
        int, typer.Option("--conversations", min=1, help="Conversations (one per profile).")
    ],
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="The SQLite file to write.")],
    messages: Annotated[
        int | None,
        typer.Option("--messages", min=1, help="Messages in all (default: 5 per conversation)."),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed (same seed, same store).")
    ] = 2026,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Write a realistic synthetic store through bulk inserts, and say how fast it went."""
    from convo_tui.bench.generate import generate as run

    if out.exists() and not force:
        raise ConvoError(f"{out} exists", "add --force to replace it, or choose another --out")
    try:
        report = run(
            out,
            conversations=conversations,
            messages=messages,
            seed=seed,
            overwrite=force,
            progress=None if json_out else typer.echo,
        )
    except ValueError as exc:
        raise ConvoError(str(exc), "give at least one message per conversation") from None
    if json_out:
        typer.echo(json.dumps(report.as_json(), indent=2))
        return
    typer.echo(
        f"{report.path}: {report.conversations:,} conversations, {report.messages:,} messages, "
        f"{report.rows:,} rows in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s; "
        f"inserts alone {report.meta['insert_rows_per_second']:,.0f} rows/s, "
        f"indexes {report.index_seconds:.1f} s, search index {report.search_seconds:.1f} s)"
    )


@bench_app.command("run")
def run_cmd(
    only: Annotated[
        str | None,
        typer.Option(
            "--only",
            help="Comma-separated figures: generate, startup, keys, queries, search, ingest, "
            "quiet, inbound (default: all).",
        ),
    ] = None,
    sizes: Annotated[
        str, typer.Option("--sizes", help="Comma-separated store sizes in conversations.")
    ] = "1000,100000,1000000",
    repeat: Annotated[int, typer.Option("--repeat", min=1, help="Repetitions per figure.")] = 5,
    root: Annotated[
        Path, typer.Option("--root", file_okay=False, help="Folder for .stores/ and results/.")
    ] = Path("benchmarks"),
) -> None:
    """Every figure beside its floor: one table, and JSON under ROOT/results/."""
    from convo_tui.bench.runner import FIGURES, run_bench

    try:
        size_list = [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise ConvoError(f"bad --sizes {sizes!r}", "use numbers such as 1000,100000") from None
    figures = [f.strip() for f in only.split(",")] if only else list(FIGURES)
    try:
        run_bench(root, sizes=size_list, only=figures, repeat=repeat)
    except ValueError as exc:
        raise ConvoError(str(exc), "see: convo bench run --help") from None
