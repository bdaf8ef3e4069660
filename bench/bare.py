"""Bare reference servers: the least a WebSocket vote server does, to measure live against.

    python -m bench.bare starlette|websockets [--batched] --fd N --redis-url URL

Each phone on /ws/{code}/audience gets a welcome; each vote goes through live's own
`VoteStore.cast_vote` (the same Lua script, keys and Redis pool settings) and is answered with
an ack. By default the store's per-tick batcher is swapped for one EVALSHA per vote;
`--batched` keeps it (one pipeline per event-loop tick, as live runs). Nothing else: no
rooms, tallies, outboxes, rate limits or checks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import socket
import time

import orjson
from redis.asyncio import BlockingConnectionPool, Redis

from live.keys import Keys
from live.store.votes import VoteStore

PREFIX = "bench"
RETENTION_MS = 86_400_000  # the bare servers' votes expire after a day


class OneCallPerVote:
    """Stands in for the store's batcher: one EVALSHA round trip per vote."""

    def __init__(self, script):
        self.script = script

    def submit(self, keys: list[str], args: list):
        return self.script(keys=keys, args=args)


def make_store(redis_url: str, batched: bool) -> VoteStore:
    # live's pool (live.store.connect.standalone_clients), except that a vote may wait a minute for a
    # connection: one call per vote queues thousands of votes on 64 connections in a flood.
    pool = BlockingConnectionPool.from_url(redis_url, max_connections=64, timeout=60, decode_responses=True,
                                           socket_timeout=5)
    store = VoteStore(Redis.from_pool(pool), Keys(PREFIX))
    if not batched:
        store._votes = OneCallPerVote(store._vote_script)
    return store


async def cast(store: VoteStore, code: str, participant: str, text: str) -> str:
    vote = orjson.loads(text)
    outcome = await store.cast_vote(code, vote["proposition"], participant, vote["choice"], int(time.time() * 1000) + RETENTION_MS)
    if outcome.error is None:
        return orjson.dumps({"type": "ack", "id": vote.get("id")}).decode()
    return orjson.dumps({"type": "error", "id": vote.get("id"), "code": outcome.error}).decode()


def welcome() -> tuple[str, str]:
    participant = secrets.token_urlsafe(12)
    return participant, orjson.dumps({"type": "welcome", "role": "audience", "participant": participant}).decode()


def starlette_app(redis_url: str, batched: bool):
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocketDisconnect

    @contextlib.asynccontextmanager
    async def lifespan(app):
        store = make_store(redis_url, batched)
        yield {"store": store}
        await store.redis.aclose()

    async def audience(websocket):
        await websocket.accept()
        participant, hello = welcome()
        await websocket.send_text(hello)
        code, store = websocket.path_params["code"], websocket.state.store
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await websocket.send_text(await cast(store, code, participant, await websocket.receive_text()))

    return Starlette(routes=[WebSocketRoute("/ws/{code}/audience", audience)], lifespan=lifespan)


async def serve_websockets(sock: socket.socket, redis_url: str, batched: bool) -> None:
    from websockets.asyncio.server import serve
    from websockets.exceptions import ConnectionClosed

    store = make_store(redis_url, batched)

    async def audience(ws):
        code = ws.request.path.split("/")[2]
        participant, hello = welcome()
        with contextlib.suppress(ConnectionClosed):
            await ws.send(hello)
            async for text in ws:
                await ws.send(await cast(store, code, participant, text))

    async with serve(audience, sock=sock, compression=None, max_size=16384, ping_interval=20,
                     backlog=2048) as server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["starlette", "websockets"])
    parser.add_argument("--batched", action="store_true")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--redis-url", required=True)
    args = parser.parse_args()
    if args.kind == "starlette":
        import uvicorn
        uvicorn.run(starlette_app(args.redis_url, args.batched), fd=args.fd, ws="websockets-sansio",
                    ws_per_message_deflate=False, ws_max_size=16384, ws_ping_interval=20.0,
                    ws_ping_timeout=20.0, log_level="warning", lifespan="on")
    else:
        sock = socket.socket(fileno=args.fd)
        asyncio.run(serve_websockets(sock, args.redis_url, args.batched))


if __name__ == "__main__":
    main()
