"""Moderator sessions per device over HTTP: logging out one device keeps the others, logging
out all devices voids every session, a new key needs a session and stops the old one, and
the console's presence counts the moderator devices."""

from __future__ import annotations

import httpx
from websockets.asyncio.client import connect

from ..support.clients import Moderator, create_event


def csrf_of(page: str) -> str:
    return page.split('name="csrf" value="')[1].split('"')[0]


async def test_devices_log_out_alone_or_all_together(server):
    event = await create_event(server.url)
    code = event["code"]
    async with httpx.AsyncClient(base_url=server.url) as laptop, httpx.AsyncClient(base_url=server.url) as phone:
        for device in (laptop, phone):
            assert (await device.get(event["urls"]["moderator"])).status_code == 303
        csrf = csrf_of((await phone.get(f"/moderate/{code}")).text)
        cookie = phone.cookies.get(f"lm_{code}")
        headers = {"Cookie": f"lm_{code}={cookie}"}
        socket = await connect(f"{server.ws_url}/ws/{code}/moderator", origin=server.url, additional_headers=headers)
        assert '"welcome"' in await socket.recv()
        assert (await phone.post(f"/moderate/{code}/logout", data={"csrf": csrf})).status_code == 303
        await socket.wait_closed()  # this device's socket closes ...
        assert "moderator.js" not in (await phone.get(f"/moderate/{code}")).text
        assert "moderator.js" in (await laptop.get(f"/moderate/{code}")).text  # ... the other device stays

        csrf = csrf_of((await laptop.get(f"/moderate/{code}")).text)
        assert (await laptop.post(f"/moderate/{code}/logout-all", data={"csrf": csrf})).status_code == 303
        async with httpx.AsyncClient(base_url=server.url, cookies={f"lm_{code}": cookie}) as replay:
            assert "moderator.js" not in (await replay.get(f"/moderate/{code}")).text


async def test_a_new_key_needs_a_session_and_stops_the_old_one(server):
    event = await create_event(server.url)
    code, old = event["code"], event["moderator_key"]
    async with httpx.AsyncClient(base_url=server.url) as http:
        csrf = csrf_of((await http.get(f"/moderate/{code}")).text)
        assert (await http.post(f"/moderate/{code}/key", data={"csrf": csrf})).status_code == 403
        await http.get(event["urls"]["moderator"])
        csrf = csrf_of((await http.get(f"/moderate/{code}")).text)
        moderator = await Moderator(server.ws_url, code, old).connect()
        reply = await http.post(f"/moderate/{code}/key", data={"csrf": csrf})
        assert reply.status_code == 200 and reply.headers["cache-control"] == "no-store"
        new = reply.json()["moderator_key"]
        assert new != old and reply.json()["moderator"].endswith(f"/moderate/{code}?key={new}")
        await moderator.ws.wait_closed()
        assert moderator.ws.close_code == 1008
        assert "moderator.js" in (await http.get(f"/moderate/{code}")).text  # the session stays
    async with httpx.AsyncClient(base_url=server.url) as bearer:  # no session cookie: the key alone
        headers = {"Authorization": f"Bearer {old}"}
        assert (await bearer.get(f"/api/events/{code}/definition", headers=headers)).status_code in (401, 403)
        headers = {"Authorization": f"Bearer {new}"}
        assert (await bearer.get(f"/api/events/{code}/definition", headers=headers)).status_code == 200


async def test_presence_counts_moderator_devices(server):
    event = await create_event(server.url)
    first = await Moderator(server.ws_url, event["code"], event["moderator_key"]).connect()
    second = await Moderator(server.ws_url, event["code"], event["moderator_key"]).connect()
    await first.wait_latest("presence", lambda m: m.get("moderators") == 2)
    await second.close()
    await first.wait_latest("presence", lambda m: m.get("moderators") == 1)
    await first.close()
