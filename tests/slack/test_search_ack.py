"""The "Searching…" ack is replaced in place by the results, as Slack shows it."""

from __future__ import annotations

from bot.devtools.stack import LocalStack

from .flow import search


async def test_results_replace_the_searching_ack(stack: LocalStack) -> None:
    results = await search(stack, "U_ALICE", "C_GENERAL", "search dishoom")

    mine = [m for m in stack.fake.messages("C_GENERAL") if m.get("ephemeral_to") == "U_ALICE"]
    assert [m["ts"] for m in mine] == [results["ts"]]
    assert "Dishoom" in results["text"]
    assert not any(m["text"].startswith("Searching") for m in mine)
