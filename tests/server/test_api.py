"""The HTTP contract: health, event creation, results; and who may open which socket."""

from __future__ import annotations

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ..support.clients import Moderator, Phone, create_event
from ..support.servers import ADMIN_PASSWORD


async def test_healthz_says_redis_is_ok(server):
    """/healthz answers 200 {"redis": "ok"} while Redis answers."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get("/healthz")
    assert response.status_code == 200 and response.json() == {"redis": "ok"}


async def test_create_event_contract(server):
    """POST /api/events returns the code, the moderator key and the three URLs."""
    event = await create_event(server.url, propositions=["Een", " ", "Twee"])
    assert len(event["code"]) == 6 and event["moderator_key"]
    assert event["urls"] == {"audience": f"{server.url}/e/{event['code']}",
                             "projector": f"{server.url}/projector/{event['code']}",
                             "moderator": f"{server.url}/moderate/{event['code']}?key={event['moderator_key']}"}
    # Nothing is revealed yet: the organiser (admin password) sees the counts (issue 12: hidden means hidden).
    async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"}) as http:
        results = (await http.get(f"/api/events/{event['code']}/results")).json()
    assert (results["code"], results["title"]) == (event["code"], "Testdebat")
    assert [{key: p[key] for key in ("id", "text", "counts", "voters")} for p in results["propositions"]] == [
        {"id": "p1", "text": "Een", "counts": {"agree": 0, "disagree": 0, "neutral": 0}, "voters": 0},
        {"id": "p2", "text": "Twee", "counts": {"agree": 0, "disagree": 0, "neutral": 0}, "voters": 0}]
    assert results["propositions"][0]["rounds"]["1"]["voters"] == 0 and results["questions"] == []


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {ADMIN_PASSWORD}", "Bearer  x y"])
async def test_create_event_needs_the_admin_password(server, authorization):
    """Without the admin password as a Bearer token, no event is created (401)."""
    headers = {"Authorization": authorization} if authorization else {}
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post("/api/events", headers=headers,
                                   json={"title": "x", "propositions": ["y"], "allow_neutral": False, "language": "nl"})
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"


@pytest.mark.parametrize("body", [
    b"{", b"[]", b'{"title": 1, "propositions": ["a"]}', b'{"title": "t", "propositions": "a"}',
    b'{"title": "t", "propositions": []}', b'{"title": "", "propositions": ["a"]}',
    b'{"title": "t", "propositions": ["a"], "language": "fr"}', b'{"title": "t", "propositions": ["a"], "allow_neutral": "yes"}',
])
async def test_invalid_event_body_is_a_400_with_a_json_error(server, body):
    """An invalid body gets 400 and a JSON error, never a 500."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post("/api/events", content=body, headers={
            "Authorization": f"Bearer {ADMIN_PASSWORD}", "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]


async def test_results_of_unknown_event_is_404(server):
    """Results of an event that does not exist: 404 with a JSON error."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get("/api/events/ZZZZZZ/results")
    assert response.status_code == 404 and response.json()["error"] == "unknown_event"


async def _refused(uri: str, **kwargs) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(uri, open_timeout=5, **kwargs):
            pass
    return refused.value.response.status_code


async def test_moderator_socket_needs_the_key(server):
    """The moderator socket is refused before accept without the key, or with a wrong one."""
    event = await create_event(server.url)
    uri = f"{server.ws_url}/ws/{event['code']}/moderator"
    assert await _refused(uri) == 403
    assert await _refused(uri, additional_headers={"Authorization": "Bearer nope"}) == 403
    moderator = await Moderator(server.ws_url, event["code"], event["moderator_key"]).connect()
    welcome = await moderator.wait_for(lambda m: m["type"] == "welcome")
    assert [p["id"] for p in welcome["event"]["propositions"]] == ["p1", "p2"]
    await moderator.close()


async def test_foreign_origin_is_refused_on_every_socket(server):
    """A handshake from another site's page is refused before accept (cross-site WebSocket hijacking)."""
    event = await create_event(server.url)
    for role in ("audience", "projector", "moderator"):
        uri = f"{server.ws_url}/ws/{event['code']}/{role}"
        for origin in ("https://evil.example", "null", "http://127.0.0.1.evil.example"):
            assert await _refused(uri, origin=origin,
                                  additional_headers={"Authorization": f"Bearer {event['moderator_key']}"}) == 403
    # The app's own origin is welcome.
    async with connect(f"{server.ws_url}/ws/{event['code']}/audience", origin=server.url) as ws:
        assert '"welcome"' in await ws.recv()


async def test_unknown_event_socket_is_refused(server):
    """A socket for an event code that does not exist is refused."""
    assert await _refused(f"{server.ws_url}/ws/ZZZZZZ/audience") == 403
    assert await _refused(f"{server.ws_url}/ws/{'x' * 300}/audience") == 403


async def test_projector_cannot_vote_or_steer(server):
    """The projector is read-only: vote and moderator commands are refused and change nothing."""
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    from ..support.clients import Screen
    screen = await Screen(server.ws_url, code).connect()
    for message in ({"type": "vote", "proposition": "p1", "choice": "agree"}, {"type": "close"}, {"type": "reveal"}):
        assert (await screen.request(message))["code"] == "not_allowed"
    phone = await Phone(server.ws_url, code).connect()
    assert (await phone.request({"type": "close"}))["code"] == "not_allowed"
    state = await phone.wait_for(lambda m: m["type"] == "state")
    assert state["phase"] == "open" and state["revealed"] is False
    for client in (moderator, screen, phone):
        await client.close()


async def test_bad_messages_get_typed_errors_and_the_socket_stays_usable(server):
    """Malformed or wrong-typed messages get a typed error; the phone can vote afterwards."""
    event = await create_event(server.url, allow_neutral=False)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    phone = await Phone(server.ws_url, code).connect()
    cases = [("{", "bad_json"), ("[]", "bad_message"), ("null", "bad_message"), ('{"type": "dance"}', "unknown_type"),
             ('{"type": "vote", "proposition": "p1", "choice": "maybe"}', "bad_message"),
             ('{"type": "vote", "proposition": "p1", "choice": true}', "bad_message"),
             ('{"type": "vote", "proposition": {}, "choice": "agree"}', "bad_message"),
             ('{"type": "vote", "proposition": "p1", "choice": "neutral"}', "bad_choice"),
             ("x" * 5000, "too_big")]
    for frame, code_expected in cases:
        before = len(phone.messages)
        await phone.ws.send(frame)
        error = await phone.wait_for(lambda m: m["type"] == "error", start=before)
        assert error["code"] == code_expected, (frame[:40], error)
        assert error["message"]
        assert "dance" not in error["message"]
    await phone.ws.send(b"\x00binary")
    await phone.wait_for(lambda m: m["type"] == "error" and m["code"] == "bad_message")
    assert (await phone.vote("p1", "agree"))["type"] == "ack"
    await moderator.wait_latest("tally", lambda m: m["counts"] == {"agree": 1, "disagree": 0, "neutral": 0})
    for client in (moderator, phone):
        await client.close()
