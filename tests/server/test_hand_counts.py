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


async def test_whole_hall_and_per_perspective_never_add_up(server):
    """Per proposition and round the hand counts are for the whole hall or per perspective:
    saving the other kind is refused (hand_count_mode, a Dutch text saying to clear it first)
    and changes nothing; after clearing, the other kind is accepted. Other rounds and
    propositions are independent, and clearing is always allowed."""
    event = await create_event(server.url, propositions=("Een", "Twee"), perspectives=PERSPECTIVES, min_group=1)
    moderator = await Moderator(server.ws_url, event["code"], event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("hand_count", proposition="p1", round=1, counts={"agree": 7, "disagree": 2})
    refused = await moderator.request({"type": "hand_count", "proposition": "p1", "round": 1,
                                       "counts": {"agree": 3}, "perspective": "Gemeente", "id": 5})
    assert refused == {"type": "error", "id": 5, "code": "hand_count_mode", "message": refused["message"]}
    assert "hele zaal" in refused["message"] and "wis" in refused["message"]
    # the other round and the other proposition are free; clearing an absent group is harmless
    await moderator.command("hand_count", proposition="p1", round=2, counts={"agree": 3}, perspective="Gemeente")
    await moderator.command("hand_count", proposition="p2", round=1, counts={"agree": 1}, perspective="Anders")
    await moderator.command("hand_count", proposition="p1", round=1, counts={"agree": 0}, perspective="Gemeente")
    tally = await moderator.wait_latest("tally", lambda m: m["proposition"] == "p1" and m["voters"] == 9)
    assert tally["manual"] == {"agree": 7, "disagree": 2, "neutral": 0}

    # per perspective the other way round: groups side by side, the hall refused
    await moderator.command("hand_count", proposition="p1", round=1, counts={"agree": 0})  # clear the hall
    await moderator.command("hand_count", proposition="p1", round=1, counts={"agree": 4}, perspective="Gemeente")
    await moderator.command("hand_count", proposition="p1", round=1, counts={"disagree": 2}, perspective="Anders")
    refused = await moderator.request({"type": "hand_count", "proposition": "p1", "round": 1,
                                       "counts": {"agree": 1}, "perspective": None})
    assert refused["code"] == "hand_count_mode"
    tally = await moderator.wait_latest("tally", lambda m: m["proposition"] == "p1" and m["voters"] == 6)
    assert tally["manual"] == {"agree": 4, "disagree": 2, "neutral": 0}
    items = (await moderator.command("hand_counts"))["items"]
    assert [(i["proposition"], i["round"], i["perspective"]) for i in items] == [
        ("p1", 1, "Gemeente"), ("p1", 1, "Anders"), ("p1", 2, "Gemeente"), ("p2", 1, "Anders")]

    # the results say what the hand counts were for, with the phones apart
    import httpx
    async with httpx.AsyncClient(base_url=server.url,
                                 headers={"Authorization": f"Bearer {event['moderator_key']}"}) as http:
        report = (await http.get(f"/api/events/{event['code']}/results")).json()
    first = report["propositions"][0]["rounds"]
    assert first["1"]["manual_mode"] == "perspectives" and first["1"]["phone_voters"] == 0
    assert first["1"]["phones"] == {"agree": 0, "disagree": 0, "neutral": 0} and first["1"]["voters"] == 6
    await moderator.close()
