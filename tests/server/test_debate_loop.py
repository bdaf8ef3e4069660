"""The debate loop end to end: phones vote, Redis counts, screens follow."""

from __future__ import annotations

import asyncio
import random

from ..support.clients import Moderator, Phone, Screen, create_event


async def test_whole_loop_with_200_phones(server):
    """200 phones vote (some change their mind); the projector's final tally equals exactly what was sent."""
    event = await create_event(server.url)
    code, key = event["code"], event["moderator_key"]
    moderator = await Moderator(server.ws_url, code, key).connect()
    screen = await Screen(server.ws_url, code).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")

    phones = await asyncio.gather(*(Phone(server.ws_url, code).connect() for _ in range(200)))
    rng = random.Random(2)
    final: dict[str, str] = {}

    async def behave(index: int, phone: Phone):
        choice = rng.choice(["agree", "disagree", "neutral"])
        assert (await phone.vote("p1", choice))["type"] == "ack"
        if index % 4 == 0:  # a quarter change their mind
            choice = "disagree" if choice == "agree" else "agree"
            assert (await phone.vote("p1", choice))["type"] == "ack"
        final[phone.token] = choice

    await asyncio.gather(*(behave(i, phone) for i, phone in enumerate(phones)))
    expected = {choice: sum(1 for c in final.values() if c == choice) for choice in ("agree", "disagree", "neutral")}

    tally = await moderator.wait_latest("tally", lambda m: m["counts"] == expected)
    assert tally["voters"] == 200
    hidden = await screen.wait_latest("tally", lambda m: m["voters"] == 200)
    assert "counts" not in hidden  # results not revealed yet: the projector only sees how many voted

    await moderator.command("close")
    late = await phones[0].vote("p1", "neutral" if final[phones[0].token] != "neutral" else "agree")
    assert late["type"] == "error" and late["code"] == "voting_closed"

    await moderator.command("reveal")
    shown = await screen.wait_latest("tally", lambda m: "counts" in m)
    assert shown["counts"] == expected and shown["voters"] == 200
    on_phone = await phones[1].wait_latest("tally", lambda m: "counts" in m)
    assert on_phone["counts"] == expected

    async with __import__("httpx").AsyncClient(base_url=server.url) as http:
        results = (await http.get(f"/api/events/{code}/results")).json()
    assert results["propositions"][0]["counts"] == expected
    assert results["propositions"][0]["voters"] == 200

    for client in (moderator, screen, *phones):
        await client.close()


async def test_phone_sees_phase_changes_and_its_vote_is_acked(server):
    """A phone sees the lobby, the open proposition, its ack, and 'closed'."""
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    phone = await Phone(server.ws_url, code).connect()
    lobby = await phone.wait_for(lambda m: m["type"] == "state")
    assert lobby["proposition"] is None and lobby["my_vote"] is None

    await moderator.command("goto", proposition="p2")
    await moderator.command("open")
    opened = await phone.wait_latest("state", lambda m: m["phase"] == "open")
    assert opened["proposition"] == {"id": "p2", "text": "Stelling twee", "index": 1, "plain": None}

    assert (await phone.vote("p1", "agree"))["code"] == "voting_closed"  # not the current proposition
    assert (await phone.vote("p9", "agree"))["code"] == "unknown_proposition"
    assert (await phone.vote("p2", "agree"))["type"] == "ack"
    await moderator.command("close")
    await phone.wait_latest("state", lambda m: m["phase"] == "closed")
    assert phone.latest("tally") is None  # results hidden: phones get no tally

    for client in (moderator, phone):
        await client.close()


async def test_moving_on_closes_the_open_proposition(server):
    """Going to the next proposition closes voting on the one left, and going back shows it closed."""
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    phone = await Phone(server.ws_url, code).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    assert (await phone.vote("p1", "agree"))["type"] == "ack"
    await moderator.command("goto", proposition="p2")
    assert (await phone.vote("p1", "disagree"))["code"] == "voting_closed"
    # The phone has seen the move to p2 before the move back: otherwise its newest state could
    # still be the first, open p1 (states travel through Redis, the ack above does not).
    await phone.wait_latest("state", lambda m: m["proposition"] and m["proposition"]["id"] == "p2")
    await moderator.command("goto", proposition="p1")
    back = await phone.wait_latest("state", lambda m: m["proposition"] and m["proposition"]["id"] == "p1")
    assert back["phase"] == "closed"
    # p1's tallies go out as it opens (nobody has voted) and again after the vote: wait for the vote's.
    tally = await moderator.wait_latest("tally", lambda m: m["proposition"] == "p1" and m["voters"] == 1)
    assert tally["counts"] == {"agree": 1, "disagree": 0, "neutral": 0}
    for client in (moderator, phone):
        await client.close()


async def test_countdown_closes_voting_when_it_runs_out(server):
    """A countdown with auto-close shows its deadline and closes voting by itself; a vote after it is refused."""
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    phone = await Phone(server.ws_url, code).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    await moderator.command("countdown", seconds=5, close=True)
    counting = await phone.wait_latest("state", lambda m: m["deadline"] is not None)
    assert counting["auto_close"] is True and 0 < counting["deadline"] - counting["server_time"] <= 5000
    assert (await phone.vote("p1", "agree"))["type"] == "ack"
    closed = await phone.wait_latest("state", lambda m: m["phase"] == "closed", timeout=12)
    assert closed["deadline"] is None
    assert (await phone.vote("p1", "disagree"))["code"] == "voting_closed"
    for client in (moderator, phone):
        await client.close()
