"""On a Redis Cluster: the app finds the cluster from one node's address, each event lives
on the shard of its hash slot with its own sharded channel, and two events on two shards
share nothing; the whole loop works across two servers (item 2 of issue 14)."""

from __future__ import annotations

import asyncio

import httpx
import redis
import redis.asyncio as aioredis
import websockets

from ..support.clients import Moderator, Phone, Screen, create_event
from ..support.redis_servers import free_port
from ..support.servers import Server, make_settings

AGREE_2 = {"agree": 2, "disagree": 0, "neutral": 0}


async def _numsub(port: int, channel: str) -> int:
    client = aioredis.Redis(port=port, decode_responses=True)
    try:
        reply = await client.execute_command("PUBSUB", "SHARDNUMSUB", channel)
        return int(reply[1])
    finally:
        await client.aclose()


async def _event_keys(port: int, pattern: str) -> list[str]:
    client = aioredis.Redis(port=port, decode_responses=True)
    try:
        return [key async for key in client.scan_iter(pattern)]
    finally:
        await client.aclose()


async def _until(predicate, timeout: float = 10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "not true in time"
        await asyncio.sleep(0.1)


async def test_two_events_on_two_shards_share_nothing(redis_cluster):
    # Any node's address is enough; here a replica's (the 6th node).
    settings = make_settings(redis_cluster.nodes[-1].url)
    a, b = await Server(settings).start(), await Server(settings).start()
    clients = []
    try:
        events, masters = [], []
        while len(events) < 2:  # codes are random: create until two land on different masters
            event = await create_event(a.url)
            master = redis_cluster.master_of(f"{settings.key_prefix}:{{{event['code']}}}:event")
            if master not in masters:
                events.append(event)
                masters.append(master)
        channels = [f"{settings.key_prefix}:{{{e['code']}}}:bell" for e in events]
        for (event, master, channel), server in zip(zip(events, masters, channels), (a, b)):
            code = event["code"]
            moderator = await Moderator(a.ws_url, code, event["moderator_key"]).connect()
            screen = await Screen(b.ws_url, code).connect()
            phones = [await Phone(server.ws_url, code).connect() for _ in range(2)]
            clients += [moderator, screen, *phones]
            await moderator.command("goto", proposition="p1")
            await moderator.command("open")
            await screen.wait_latest("state", lambda m: m["phase"] == "open")
            for phone in phones:
                assert (await phone.vote("p1", "agree"))["type"] == "ack"
            await screen.wait_latest("tally", lambda m: m["voters"] == 2)
            await moderator.wait_latest("tally", lambda m: m.get("counts") == AGREE_2)
            # Both servers follow the event's channel, on its own master and nowhere else.
            assert await _numsub(master.port, channel) == 2
        for index, (event, master) in enumerate(zip(events, masters)):
            other = masters[1 - index]
            keys = f"{settings.key_prefix}:{{{event['code']}}}:*"
            assert await _event_keys(master.port, keys), "the event's keys are on its master"
            assert not await _event_keys(other.port, keys), "and not on the other shard"
            assert await _numsub(other.port, channels[index]) == 0

        # When an event's last socket leaves, the workers stop following its channel.
        for client in clients:
            await client.close()
        for master, channel in zip(masters, channels):
            await _until(lambda: _is_zero(master.port, channel))
    finally:
        for client in clients:
            await client.close()
        await a.stop()
        await b.stop()


async def _is_zero(port: int, channel: str) -> bool:
    return await _numsub(port, channel) == 0


async def test_a_slot_moved_under_a_running_event(redis_cluster):
    """The slot of an event moves to another master mid-evening: Redis unsubscribes the
    workers there (an unasked `sunsubscribe`), they subscribe on the new owner and resync;
    votes, state and tallies keep flowing between two servers."""
    settings = make_settings(redis_cluster.url)
    a, b = await Server(settings).start(), await Server(settings).start()
    clients = []
    try:
        event = await create_event(a.url)
        code = event["code"]
        key = f"{settings.key_prefix}:{{{code}}}:event"
        channel = f"{settings.key_prefix}:{{{code}}}:bell"
        moderator = await Moderator(a.ws_url, code, event["moderator_key"]).connect()
        screen = await Screen(b.ws_url, code).connect()
        phones = [await Phone(url, code).connect() for url in (a.ws_url, b.ws_url, a.ws_url, b.ws_url)]
        clients += [moderator, screen, *phones]
        await moderator.command("goto", proposition="p1")
        await moderator.command("open")
        await screen.wait_latest("state", lambda m: m["phase"] == "open")
        for phone in phones[:2]:
            assert (await phone.vote("p1", "agree"))["type"] == "ack"
        await screen.wait_latest("tally", lambda m: m["voters"] == 2)

        old = redis_cluster.master_of(key)
        new = next(node for node in redis_cluster.nodes
                   if node is not old and node.alive() and _is_master(node.port))
        await asyncio.get_running_loop().run_in_executor(None, redis_cluster.move_slot, key, new)
        assert redis_cluster.master_of(key) is new
        await _until(lambda: _numsub_is(new.port, channel, 2), 15)
        assert await _numsub(old.port, channel) == 0

        for phone in phones[2:]:
            for _ in range(50):  # a vote in the moment of the move may be told to retry
                if (await phone.vote("p1", "disagree"))["type"] == "ack":
                    break
                await asyncio.sleep(0.2)
        await screen.wait_latest("tally", lambda m: m["voters"] == 4)
        await moderator.command("close")
        await moderator.command("reveal")
        revealed = await screen.wait_latest("tally", lambda m: "counts" in m)
        assert revealed["counts"] == {"agree": 2, "disagree": 2, "neutral": 0}
    finally:
        for client in clients:
            await client.close()
        await a.stop()
        await b.stop()


def _is_master(port: int) -> bool:
    client = redis.Redis(port=port)
    try:
        return client.info("replication")["role"] == "master"
    finally:
        client.close()


async def _numsub_is(port: int, channel: str, expected: int) -> bool:
    return await _numsub(port, channel) == expected


async def test_cluster_down_at_start_up_says_try_again(tmp_path):
    """With LIVE_REDIS_CLUSTER=1 and no node answering, the app starts, /healthz says 503
    and sockets are told to try again (1013), never a 500."""
    server = await Server(make_settings(f"redis://127.0.0.1:{free_port()}/0", redis_cluster="1")).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            assert (await http.get("/healthz")).status_code == 503
            assert (await http.get("/e/ABCDEF")).status_code == 503
        async with websockets.connect(f"{server.ws_url}/ws/ABCDEF/audience", open_timeout=10) as ws:
            try:
                await ws.recv()
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd.code == 1013
    finally:
        await server.stop()
