"""The venue's Wi-Fi and the "how to join" slide: kept with the event, exported and
imported again, offered as a standard WIFI: QR code, and put on the projector by the moderator."""

from __future__ import annotations

import io

import httpx
import segno.helpers

from ..support.clients import Moderator, Screen
from ..support.servers import ADMIN_PASSWORD

BODY = {"title": "Debat", "propositions": ["Een"], "wifi_name": "Zaal 3", "wifi_password": "stem-mee-2026"}


async def create(http: httpx.AsyncClient, body: dict) -> httpx.Response:
    return await http.post("/api/events", headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"}, json=body)


async def test_wifi_is_kept_exported_and_served_as_a_wifi_qr_code(server):
    """The definition export carries the Wi-Fi and imports again; the QR code is the standard WIFI: one."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        created = (await create(http, BODY)).json()
        code, key = created["code"], created["moderator_key"]
        exported = (await http.get(f"/api/events/{code}/definition", headers={"Authorization": f"Bearer {key}"})).json()
        assert exported["wifi_name"] == "Zaal 3" and exported["wifi_password"] == "stem-mee-2026"
        assert (await create(http, exported)).status_code == 201
        response = await http.get(f"/qr/{code}/wifi.svg")
        assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
        expected = io.BytesIO()
        segno.helpers.make_wifi("Zaal 3", "stem-mee-2026", "WPA").save(
            expected, kind="svg", scale=10, border=2, dark="#000", light="#fff", xmldecl=False)
        assert response.content == expected.getvalue()
        assert segno.helpers.make_wifi_data("Zaal 3", "stem-mee-2026", "WPA") == "WIFI:T:WPA;S:Zaal 3;P:stem-mee-2026;;"
        plain = (await create(http, {"title": "Debat", "propositions": ["Een"]})).json()
        assert (await http.get(f"/qr/{plain['code']}/wifi.svg")).status_code == 404
        exported = (await http.get(f"/api/events/{plain['code']}/definition",
                                   headers={"Authorization": f"Bearer {plain['moderator_key']}"})).json()
        assert "wifi_name" not in exported and "wifi_password" not in exported


async def test_wifi_input_is_checked(server):
    """A password without a network, or a name over 63 characters, is refused and names its field."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await create(http, {**BODY, "wifi_name": None})
        assert response.status_code == 400 and response.json()["error"] == "wifi_name_empty"
        response = await create(http, {**BODY, "wifi_name": "x" * 64})
        assert response.status_code == 400 and response.json()["error"] == "wifi_name_too_long"
        response = await create(http, {**BODY, "wifi_password": 12345678})
        assert response.status_code == 400 and response.json()["error"] == "bad_request"


async def test_the_moderator_puts_the_slide_up_and_takes_it_down(server):
    """screen "join" is a screen like the others: the projector follows, any other value is refused."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        created = (await create(http, BODY)).json()
    code = created["code"]
    moderator = await Moderator(server.ws_url, code, created["moderator_key"]).connect()
    screen = await Screen(server.ws_url, code).connect()
    await moderator.command("screen", show="join")
    await screen.wait_latest("state", lambda m: m["screen"] == "join")
    refused = await moderator.request({"type": "screen", "show": "slides"})
    assert refused["type"] == "error" and refused["code"] == "bad_message"
    await moderator.command("screen", show="proposition")
    await screen.wait_latest("state", lambda m: m["screen"] == "proposition")
