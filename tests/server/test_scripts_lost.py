"""Redis loses its scripts (a restart without persistence, SCRIPT FLUSH): the next votes and
joins, sent in one pipeline per tick (store/batch.py), load them again and go on; every
acknowledged vote is counted once."""

from __future__ import annotations

import asyncio

from live.store.connect import open_clients

from ..support.clients import Moderator, Phone, create_event


async def test_votes_and_joins_go_on_after_redis_forgets_its_scripts(server):
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    before = await asyncio.gather(*(Phone(server.ws_url, code).connect() for _ in range(20)))
    for phone in before:
        assert (await phone.vote("p1", "agree"))["type"] == "ack"

    clients = await open_clients(server.settings.redis_url)
    try:
        await clients.redis.script_flush()
    finally:
        await clients.aclose()

    # Joins (the identity's record is a script, sent with the event's read) and votes at once.
    after = await asyncio.gather(*(Phone(server.ws_url, code).connect() for _ in range(20)))
    replies = await asyncio.gather(*(phone.vote("p1", "disagree") for phone in after),
                                   *(phone.vote("p1", "neutral") for phone in before[:5]))
    assert all(reply["type"] == "ack" for reply in replies)
    expected = {"agree": 15, "disagree": 20, "neutral": 5}
    tally = await moderator.wait_latest("tally", lambda m: m["counts"] == expected)
    assert tally["voters"] == 40
