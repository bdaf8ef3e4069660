"""The organiser's side: prepare at home, list and delete events, retention, report access."""

from __future__ import annotations

import re

import httpx
import redis.asyncio as redis

from live import questions
from live.questions import Question

from ..support.clients import create_event
from ..support.servers import ADMIN_PASSWORD

ADMIN = {"Authorization": f"Bearer {ADMIN_PASSWORD}"}


async def test_definition_exports_and_imports_round_trip(server):
    """An event exported as a definition file and posted back creates an identical event."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        created = (await http.post("/api/events", headers=ADMIN, json={
            "title": "Thuis voorbereid", "propositions": ["Een", "Twee"], "perspectives": ["Burger", "Gemeente"],
            "min_group": 3, "allow_neutral": False, "language": "en", "premoderation": False})).json()
        key = {"Authorization": f"Bearer {created['moderator_key']}"}
        assert (await http.get(f"/api/events/{created['code']}/definition")).status_code == 401
        definition = (await http.get(f"/api/events/{created['code']}/definition", headers=key)).json()
        assert definition == {"title": "Thuis voorbereid", "propositions": ["Een", "Twee"],
                              "perspectives": ["Burger", "Gemeente"], "min_group": 3, "allow_neutral": False,
                              "language": "en", "premoderation": False, "time_zone": "Europe/Amsterdam"}
        imported = (await http.post("/api/events", headers=ADMIN, json=definition)).json()
        again = (await http.get(f"/api/events/{imported['code']}/definition", headers=ADMIN)).json()
        # another time zone travels with the file; one that zoneinfo does not know is refused
        london = (await http.post("/api/events", headers=ADMIN, json={**definition, "time_zone": "Europe/London"})).json()
        exported = (await http.get(f"/api/events/{london['code']}/definition", headers=ADMIN)).json()
        for wrong in ("Europe/Atlantis", "../etc/passwd", "", "x" * 100):
            refused = await http.post("/api/events", headers=ADMIN, json={**definition, "time_zone": wrong})
            assert refused.status_code == 400 and refused.json()["error"] == "time_zone_unknown_time_zone", wrong
    assert imported["code"] != created["code"] and again == definition
    assert exported["time_zone"] == "Europe/London"


async def _admin_client(server) -> httpx.AsyncClient:
    http = httpx.AsyncClient(base_url=server.url)
    page = await http.get("/events")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    response = await http.post("/events", data={"password": ADMIN_PASSWORD, "csrf": csrf})
    assert response.status_code == 303
    return http


async def test_events_list_and_delete(server):
    """The organiser signs in at /events, sees the events and deletes one: its keys are gone."""
    event = await create_event(server.url, title="Weg ermee")
    keep = await create_event(server.url, title="Blijft")
    async with httpx.AsyncClient(base_url=server.url) as anonymous:
        listing = await anonymous.get("/events")
        assert "Weg ermee" not in listing.text  # not signed in: only the sign-in form
        wrong = await anonymous.post("/events", data={"password": "nope", "csrf": "x"})
        assert wrong.status_code == 401
    http = await _admin_client(server)
    try:
        listing = await http.get("/events")
        assert "Weg ermee" in listing.text and "Blijft" in listing.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', listing.text).group(1)
        assert (await http.post(f"/events/{event['code']}/delete", data={"csrf": "forged"})).status_code == 403
        response = await http.post(f"/events/{event['code']}/delete", data={"csrf": csrf})
        assert response.status_code == 303
        assert (await http.get(f"/api/events/{event['code']}/results")).status_code == 404
        assert (await http.get(f"/api/events/{keep['code']}/results")).status_code == 200
        assert "Weg ermee" not in (await http.get("/events")).text
        client = redis.Redis.from_url(server.settings.redis_url)
        try:
            left = [k async for k in client.scan_iter(f"{server.settings.key_prefix}:{{{event['code']}}}:*")]
        finally:
            await client.aclose()
        assert left == []
    finally:
        await http.aclose()


async def test_every_event_key_expires_with_retention(server):
    """Every key of an event carries an expiry close to the retention period."""
    event = await create_event(server.url)
    client = redis.Redis.from_url(server.settings.redis_url)
    try:
        keys = [k async for k in client.scan_iter(f"{server.settings.key_prefix}:{{{event['code']}}}:*")]
        assert keys
        retention_ms = server.settings.retention_days * 86_400_000
        for key in keys:
            ttl = await client.pttl(key)
            assert retention_ms - 60_000 < ttl <= retention_ms, key
    finally:
        await client.aclose()


async def test_report_is_for_moderators_and_organisers_only(server):
    """/results/{code} sends others to sign in; the moderator link's session opens it."""
    event = await create_event(server.url)
    async with httpx.AsyncClient(base_url=server.url) as http:
        anonymous = await http.get(f"/results/{event['code']}")
        assert anonymous.status_code == 303 and anonymous.headers["location"] == f"/moderate/{event['code']}"
        signed_in = await http.get(event["urls"]["moderator"])
        assert signed_in.status_code == 303
        report = await http.get(f"/results/{event['code']}")
        assert report.status_code == 200 and "Stelling een" in report.text


def test_balanced_wall_takes_turns_between_perspectives():
    """A large group's questions do not crowd out a small group's on the balanced wall."""
    def q(n, votes, perspective):
        return Question(f"q{n}", "t", None, "a", "visible", votes, 0, perspective=perspective)
    many = [q(i, 50 - i, "Gemeente") for i in range(1, 6)]
    few = [q(10, 3, "Burger"), q(11, 1, None)]
    ordered = [x.id for x in questions.balanced(many + few)]
    assert ordered[:3] == ["q1", "q10", "q11"]
    assert [x.id for x in questions.by_votes(many + few)][:3] == ["q1", "q2", "q3"]


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201e2b2c6a10000000049454e44ae426082")


async def test_accent_colour_and_logo(server):
    """An event's accent colour is served as a stylesheet and its logo as an image; an SVG or a bad colour is refused."""
    import base64
    async with httpx.AsyncClient(base_url=server.url) as http:
        created = await http.post("/api/events", headers=ADMIN, json={
            "title": "Met huisstijl", "propositions": ["Een"], "accent": "#1A5FB4",
            "logo": "data:image/png;base64," + base64.b64encode(PNG).decode()})
        code = created.json()["code"]
        theme = await http.get(f"/theme/{code}.css")
        assert theme.text.strip() == ":root { --accent: #1a5fb4; }"
        logo = await http.get(f"/logo/{code}")
        assert logo.content == PNG and logo.headers["content-type"] == "image/png"
        svg = "data:image/svg+xml;base64," + base64.b64encode(b"<svg onload='alert(1)'/>").decode()
        refused = await http.post("/api/events", headers=ADMIN, json={"title": "x", "propositions": ["y"], "logo": svg})
        assert refused.status_code == 400 and refused.json()["error"] == "logo_not_an_image"
        bad = await http.post("/api/events", headers=ADMIN, json={"title": "x", "propositions": ["y"],
                                                                 "accent": "red; } body { display: none"})
        assert bad.status_code == 400 and bad.json()["error"] == "accent_not_a_colour"
        plain = (await http.post("/api/events", headers=ADMIN, json={"title": "x", "propositions": ["y"]})).json()
        assert (await http.get(f"/theme/{plain['code']}.css")).text == ""
        assert (await http.get(f"/logo/{plain['code']}")).status_code == 404


async def test_the_new_event_form_takes_a_time_zone(server):
    """/new: the time zone field (Europe/Amsterdam unless changed) reaches the event; an unknown
    zone is refused next to the field, in Dutch, and nothing is created."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await http.get("/new")
        assert 'name="time_zone"' in page.text and 'value="Europe/Amsterdam"' in page.text
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        form = {"csrf": csrf, "admin_password": ADMIN_PASSWORD, "title": "Zonedebat", "propositions": "Een",
                "language": "nl", "min_group": "5"}
        wrong = await http.post("/new", data={**form, "time_zone": "Europe/Atlantis"})
        assert wrong.status_code == 400 and "Kies een tijdzone zoals Europe/Amsterdam." in wrong.text
        created = await http.post("/new", data={**form, "time_zone": "Europe/Brussels"})
        assert created.status_code == 200
        code = created.text.split("/projector/")[1][:6]
        definition = (await http.get(f"/api/events/{code}/definition", headers=ADMIN)).json()
    assert definition["time_zone"] == "Europe/Brussels"
