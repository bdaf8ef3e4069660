"""Several servers on one Redis behave like one; phones keep their identity."""

from __future__ import annotations

import asyncio

from ..support.clients import Moderator, Phone, Screen, create_event
from ..support.servers import Server, make_settings


async def test_vote_on_server_a_shows_on_projector_of_server_b(redis_url):
    """A vote on server A shows on a projector connected to server B; a late projector gets the right snapshot."""
    settings = make_settings(redis_url)
    a, b = await Server(settings).start(), await Server(settings).start()
    try:
        event = await create_event(a.url)
        code = event["code"]
        moderator = await Moderator(a.ws_url, code, event["moderator_key"]).connect()
        screen_b = await Screen(b.ws_url, code).connect()
        await moderator.command("goto", proposition="p1")
        await moderator.command("open")
        await screen_b.wait_latest("state", lambda m: m["phase"] == "open")

        phones_a = [await Phone(a.ws_url, code).connect() for _ in range(3)]
        phones_b = [await Phone(b.ws_url, code).connect() for _ in range(2)]
        for phone in phones_a:
            assert (await phone.vote("p1", "agree"))["type"] == "ack"
        for phone in phones_b:
            assert (await phone.vote("p1", "disagree"))["type"] == "ack"
        await screen_b.wait_latest("tally", lambda m: m["voters"] == 5)
        await moderator.wait_latest("tally", lambda m: m.get("counts") == {"agree": 3, "disagree": 2, "neutral": 0})

        await moderator.command("close")
        await moderator.command("reveal")
        revealed = await screen_b.wait_latest("tally", lambda m: "counts" in m)
        assert revealed["counts"] == {"agree": 3, "disagree": 2, "neutral": 0}

        late = await Screen(b.ws_url, code).connect()
        state = await late.wait_for(lambda m: m["type"] == "state")
        assert state["proposition"]["id"] == "p1" and state["phase"] == "closed" and state["revealed"] is True
        tally = await late.wait_for(lambda m: m["type"] == "tally")
        assert tally["counts"] == {"agree": 3, "disagree": 2, "neutral": 0} and tally["voters"] == 5

        # The moderator on A sees phones on both servers.
        presence = await moderator.wait_latest("presence", lambda m: m["online"] == 5, timeout=10)
        assert presence["online"] == 5
        for client in (moderator, screen_b, late, *phones_a, *phones_b):
            await client.close()
    finally:
        await a.stop()
        await b.stop()


async def test_reconnect_keeps_participant_and_vote(server):
    """A phone that reconnects with its token is the same participant: its vote counts once, a change moves one."""
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")

    phone = await Phone(server.ws_url, code).connect()
    other = await Phone(server.ws_url, code).connect()
    assert (await phone.vote("p1", "agree"))["type"] == "ack"
    assert (await other.vote("p1", "agree"))["type"] == "ack"
    token = phone.token
    await phone.close()

    again = await Phone(server.ws_url, code, token=token).connect()
    assert again.token == token
    snapshot = await again.wait_for(lambda m: m["type"] == "state")
    assert snapshot["my_vote"] == "agree"
    assert (await again.vote("p1", "agree"))["type"] == "ack"  # a replay: counted once
    await moderator.wait_latest("tally", lambda m: m["counts"] == {"agree": 2, "disagree": 0, "neutral": 0})
    assert (await again.vote("p1", "disagree"))["type"] == "ack"
    await moderator.wait_latest("tally", lambda m: m["counts"] == {"agree": 1, "disagree": 1, "neutral": 0})

    forged = await Phone(server.ws_url, code, token=token[:-2] + ("AA" if not token.endswith("AA") else "BB")).connect()
    assert forged.token != token
    assert (await forged.wait_for(lambda m: m["type"] == "state"))["my_vote"] is None
    for client in (moderator, again, other, forged):
        await client.close()


async def test_replayed_vote_is_acked_each_time_and_counted_once(server):
    """The same vote message sent 100 times is acknowledged 100 times and counted once."""
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    phone = await Phone(server.ws_url, code).connect()
    message = {"type": "vote", "proposition": "p1", "choice": "neutral", "id": "same"}
    for _ in range(100):
        await phone.send(message)
        await asyncio.sleep(0.04)  # stay under the per-socket rate limit, which is tested elsewhere
    await phone.wait_for(lambda m: sum(1 for x in phone.messages if x["type"] == "ack") == 100, timeout=10)
    await moderator.wait_latest("tally", lambda m: m["counts"] == {"agree": 0, "disagree": 0, "neutral": 1})
    for client in (moderator, phone):
        await client.close()
