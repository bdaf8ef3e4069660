"""The control desk's HTTP API (docs/control.md): every action does on the projector what
the console's button does, with the moderator key, and nothing without it."""

from __future__ import annotations

import asyncio

import httpx

from ..support.clients import Phone, Screen, create_event


async def post(server, code: str, key: str | None, body) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(base_url=server.url) as http:
        return await http.post(f"/api/events/{code}/control", headers=headers, json=body)


async def test_every_action_reaches_the_projector(server):
    """next, open, close, reveal, hide, wall, proposition, previous: the answer and the projector agree."""
    event = await create_event(server.url, propositions=("Een", "Twee", "Drie"))
    code, key = event["code"], event["moderator_key"]
    screen = await Screen(server.ws_url, code).connect()

    async def act(action: str, check) -> dict:
        response = await post(server, code, key, {"action": action})
        assert response.status_code == 200, response.text
        state = response.json()
        assert state["type"] == "state" and check(state), (action, state)
        await screen.wait_latest("state", lambda m: m["seq"] == state["seq"] and check(m))
        return state

    await act("next", lambda s: s["proposition"]["id"] == "p1" and s["phase"] == "waiting")
    await act("open", lambda s: s["phase"] == "open")
    await act("close", lambda s: s["phase"] == "closed")
    await act("reveal", lambda s: s["revealed"])
    await act("hide", lambda s: not s["revealed"])
    await act("next", lambda s: s["proposition"]["id"] == "p2" and s["proposition"]["index"] == 1)
    await act("wall", lambda s: s["screen"] == "questions")
    await act("proposition", lambda s: s["screen"] == "proposition")
    await act("previous", lambda s: s["proposition"]["id"] == "p1" and s["phase"] == "closed")
    at_start = await act("previous", lambda s: s["proposition"]["id"] == "p1")  # nothing before the first
    assert at_start["seq"] == screen.latest("state")["seq"]


async def test_open_takes_the_current_round_and_votes_count(server):
    """open from the desk opens voting as the console does: a phone's vote is acknowledged."""
    event = await create_event(server.url)
    code, key = event["code"], event["moderator_key"]
    await post(server, code, key, {"action": "next"})
    assert (await post(server, code, key, {"action": "open"})).json()["phase"] == "open"
    phone = await Phone(server.ws_url, code).connect()
    assert (await phone.vote("p1", "agree"))["type"] == "ack"


async def test_pin_next_walks_the_wall(server):
    """pin_next pins the first question of the wall, then the one after it, then wraps around."""
    event = await create_event(server.url, premoderation=False)
    code, key = event["code"], event["moderator_key"]
    phone = await Phone(server.ws_url, code).connect()
    asked = [(await phone.ask(text))["question"] for text in ("Eerste vraag?", "Tweede vraag?")]
    screen = await Screen(server.ws_url, code).connect()
    order = [item["id"] for item in (await screen.wait_latest("questions", lambda m: len(m["items"]) == 2))["items"]]
    assert sorted(order) == sorted(asked)
    for expected in (order[0], order[1], order[0]):
        assert (await post(server, code, key, {"action": "pin_next"})).status_code == 200
        await screen.wait_latest("questions", lambda m: [i["id"] for i in m["items"] if i["pinned"]] == [expected])


async def test_refused_without_the_key_or_with_a_bad_body(server):
    """No key, a wrong key, the organiser's password, an unknown action or extra fields: refused, nothing changes."""
    event = await create_event(server.url)
    code, key = event["code"], event["moderator_key"]
    screen = await Screen(server.ws_url, code).connect()
    before = (await screen.wait_for(lambda m: m["type"] == "state"))["seq"]
    for token in (None, "wrong", "admin-test-password"):
        response = await post(server, code, token, {"action": "next"})
        assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    for body in ({"action": "explode"}, {"action": "next", "extra": 1}, [], "next"):
        response = await post(server, code, key, body)
        assert response.status_code == 400 and response.json()["error"] == "bad_request", body
    assert (await post(server, "ZZZZZZ", key, {"action": "next"})).status_code == 404
    response = await post(server, code, key, {"action": "open"})  # no proposition yet
    assert response.status_code == 409 and response.json()["error"] == "no_proposition"
    assert screen.latest("state")["seq"] == before


async def test_a_stuck_key_is_rate_limited(server):
    """More than 20 actions a second from the desk: the rest are refused with 429 (100 at once never fit)."""
    event = await create_event(server.url)
    code, key = event["code"], event["moderator_key"]
    statuses = await asyncio.gather(*(post(server, code, key, {"action": "proposition"}) for _ in range(100)))
    codes = [response.status_code for response in statuses]
    assert codes.count(429) >= 1 and set(codes) <= {200, 429}
