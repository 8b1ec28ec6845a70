"""An unknown `--attributed-to` lists some known names, says how many more there are, and
`convo sources` lists them all."""

from __future__ import annotations

from pathlib import Path

from convo_tui.core import agents, sources
from convo_tui.store.kinds import SourceKind

from .cli_helpers import run
from .conftest import NOW, open_test_store


def test_unknown_attributed_to_says_how_many_more_and_where(capsys, db_path: Path) -> None:
    store = open_test_store(db_path)
    with store.write() as session:
        agents.identify(session, "olivia", now=NOW)
        for n in range(12):
            sources.ensure(session, SourceKind.CAMPAIGN, f"Campaign {n:02}", external_id=f"C{n}")
        sources.ensure(session, SourceKind.FLOW, "Welcome flow", external_id="F1")
    store.close()
    result = run(capsys, "inbox", "--attributed-to", "Nope", "--db", db_path, "--agent", "olivia")
    result.assert_one_line_error(
        "no campaign or flow named 'Nope'",
        "'Campaign 00'",
        "and 5 more (`convo sources` lists all 13)",
    )
    assert "'Campaign 08'" not in result.err
    listed = run(capsys, "sources", "--db", db_path, "--agent", "olivia")
    assert listed.code == 0, listed.err
    assert "Campaign 11  campaign  C11" in listed.out and "Welcome flow  flow  F1" in listed.out
    names = [
        s["name"]
        for s in run(capsys, "sources", "--json", "--db", db_path, "--agent", "olivia").json()
    ]
    assert len(names) == 13 and names == sorted(names)
