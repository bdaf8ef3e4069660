"""Hand counts with one meaning: for the whole hall or for one perspective, listed per
proposition and round, corrected by saving again, cleared by saving zeros."""

from __future__ import annotations

from ..support.clients import PERSPECTIVES, Moderator, create_event


async def test_hand_counts_are_listed_corrected_and_cleared(server):
    event = await create_event(server.url, propositions=("Een", "Twee"), perspectives=PERSPECTIVES, min_group=1)
    moderator = await Moderator(server.ws_url, event["code"], event["moderator_key"]).connect()
    assert (await moderator.command("hand_counts"))["items"] == []
    await moderator.command("goto", proposition="p1")
    await moderator.command("hand_count", proposition="p1", round=1, counts={"agree": 7, "disagree": 2})
    await moderator.command("hand_count", proposition="p2", round=1, counts={"agree": 3}, perspective="Gemeente")
    items = (await moderator.command("hand_counts"))["items"]
    assert items == [
        {"proposition": "p1", "round": 1, "perspective": None, "counts": {"agree": 7, "disagree": 2, "neutral": 0}},
        {"proposition": "p2", "round": 1, "perspective": "Gemeente", "counts": {"agree": 3, "disagree": 0, "neutral": 0}},
    ]
    # a correction replaces the counts of that proposition, round and group
    await moderator.command("hand_count", proposition="p1", round=1, counts={"agree": 5, "neutral": 1})
    tally = await moderator.wait_latest("tally", lambda m: m["proposition"] == "p1" and m["voters"] == 6)
    assert tally["manual"] == {"agree": 5, "disagree": 0, "neutral": 1}
    # all zeros clears it: gone from the list and from the figures
    await moderator.command("hand_count", proposition="p1", round=1, counts={"agree": 0})
    tally = await moderator.wait_latest("tally", lambda m: m["proposition"] == "p1" and m["voters"] == 0)
    assert tally.get("manual") is None
    items = (await moderator.command("hand_counts"))["items"]
    assert [(i["proposition"], i["perspective"]) for i in items] == [("p2", "Gemeente")]
    await moderator.close()
