"""Test clients that speak the real protocol over real WebSockets, like the browser does."""

from __future__ import annotations

import asyncio
import itertools
import json

import httpx
import websockets
from websockets.asyncio.client import connect

from .servers import ADMIN_PASSWORD

_ids = itertools.count(1)
TIMEOUT = 15.0  # seconds for an awaited message: generous, so that a busy machine is slower, not failing


PERSPECTIVES = ["Burger / cliënt", "Professional", "Gemeente", "Anders"]


async def create_event(base_url: str, propositions=("Stelling een", "Stelling twee"), perspectives=(),
                       min_group: int = 5, allow_neutral=True, title="Testdebat", premoderation=True,
                       language: str = "nl") -> dict:
    """A new event through the organiser's API; `min_group` is sent with the perspectives."""
    body = {"title": title, "propositions": list(propositions), "allow_neutral": allow_neutral, "language": language,
            "premoderation": premoderation}
    if perspectives:
        body.update(perspectives=list(perspectives), min_group=min_group)
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.post("/api/events", headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"}, json=body)
        assert response.status_code == 201, response.text
        return response.json()


class Client:
    """Collects every message the server sends; `wait_for` awaits a condition on them."""

    def __init__(self, ws_url: str, path: str, headers: dict | None = None):
        self.uri = ws_url + path
        self.headers = headers or {}
        self.messages: list[dict] = []
        self.ws = None
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task | None = None

    async def connect(self) -> "Client":
        self.ws = await connect(self.uri, additional_headers=self.headers, compression=None, open_timeout=10)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                message = json.loads(frame)
                async with self._changed:
                    self.messages.append(message)
                    self._changed.notify_all()
        except websockets.ConnectionClosed:
            pass
        finally:
            async with self._changed:
                self._changed.notify_all()

    async def wait_for(self, predicate, timeout: float = TIMEOUT, start: int = 0) -> dict:
        """The first message (oldest first, from index `start`) for which predicate holds,
        waiting for it if needed."""
        async def find():
            async with self._changed:
                while True:
                    for message in self.messages[start:]:
                        if predicate(message):
                            return message
                    if self._reader.done():
                        raise ConnectionError(f"socket closed: {self.ws.close_code} {self.ws.close_reason}")
                    await self._changed.wait()
        return await asyncio.wait_for(find(), timeout)

    async def wait_latest(self, kind: str, predicate, timeout: float = TIMEOUT) -> dict:
        """Wait until the newest message of a type satisfies predicate."""
        async def find():
            async with self._changed:
                while True:
                    latest = [m for m in self.messages if m["type"] == kind]
                    if latest and predicate(latest[-1]):
                        return latest[-1]
                    if self._reader.done():
                        raise ConnectionError("socket closed")
                    await self._changed.wait()
        return await asyncio.wait_for(find(), timeout)

    def latest(self, kind: str) -> dict | None:
        for message in reversed(self.messages):
            if message["type"] == kind:
                return message
        return None

    async def send(self, message: dict) -> None:
        await self.ws.send(json.dumps(message))

    async def request(self, message: dict, timeout: float = TIMEOUT) -> dict:
        """Send a message with a fresh id and return its ack or error."""
        message = {**message, "id": message.get("id", f"m{next(_ids)}")}
        await self.send(message)
        return await self.wait_for(lambda m: m["type"] in ("ack", "error") and m.get("id") == message["id"], timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader


class Phone(Client):
    def __init__(self, ws_url: str, code: str, token: str | None = None, headers: dict | None = None):
        path = f"/ws/{code}/audience" + (f"?participant={token}" if token else "")
        super().__init__(ws_url, path, headers)

    async def connect(self) -> "Phone":
        await super().connect()
        welcome = await self.wait_for(lambda m: m["type"] == "welcome")
        self.token = welcome["participant"]
        return self

    async def vote(self, proposition: str, choice: str) -> dict:
        return await self.request({"type": "vote", "proposition": proposition, "choice": choice})


    async def ask(self, text: str, name: str | None = None) -> dict:
        return await self.request({"type": "ask", "text": text, "name": name})

    async def upvote(self, question: str, on: bool = True) -> dict:
        return await self.request({"type": "upvote", "question": question, "on": on})


def question_ids(message: dict) -> dict[str, dict]:
    return {item["id"]: item for item in message["items"]}


class Screen(Client):
    def __init__(self, ws_url: str, code: str):
        super().__init__(ws_url, f"/ws/{code}/projector")


class Moderator(Client):
    def __init__(self, ws_url: str, code: str, key: str):
        super().__init__(ws_url, f"/ws/{code}/moderator", {"Authorization": f"Bearer {key}"})

    async def command(self, kind: str, **fields) -> dict:
        reply = await self.request({"type": kind, **fields})
        assert reply["type"] == "ack", reply
        return reply
