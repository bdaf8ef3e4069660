"""Ticketed join (issue 13, must-have 3; docs/test-plan.md E21–E25): one-time tickets,
each admitting exactly one identity; without one nobody votes, asks or declares."""

from __future__ import annotations

import asyncio
import csv
import io
import time

import httpx

from live.tickets import normalize

from ..support.clients import PERSPECTIVES, Moderator, Phone, create_event
from ..support.servers import ADMIN_PASSWORD

ADMIN = {"Authorization": f"Bearer {ADMIN_PASSWORD}"}


async def ticketed_vote(server, count: int = 5, **kwargs):
    """A ticketed event with `count` tickets, its first proposition open."""
    event = await create_event(server.url, **kwargs)
    async with httpx.AsyncClient(base_url=server.url) as http:
        made = await http.post(f"/api/events/{event['code']}/tickets", headers=ADMIN, json={"count": count})
    assert made.status_code == 201, made.text
    moderator = await Moderator(server.ws_url, event["code"], event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    return event, made.json()["tickets"], moderator


async def test_making_tickets_needs_the_organiser_and_sane_counts(server):
    """Only the organiser makes tickets; a bad count is a typed 400; the tickets are unique, unambiguous and
    listed in a CSV whose cells cannot run as formulas (E21)."""
    event = await create_event(server.url)
    code = event["code"]
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.post(f"/api/events/{code}/tickets", json={"count": 3})).status_code == 401
        wrong = {"Authorization": f"Bearer {event['moderator_key']}"}
        assert (await http.post(f"/api/events/{code}/tickets", headers=wrong, json={"count": 3})).status_code == 401
        for body in ({"count": -1}, {"count": 5001}, {"count": "3"}, {"count": True}, {"n": 3}, [], "x"):
            bad = await http.post(f"/api/events/{code}/tickets", headers=ADMIN, json=body)
            assert bad.status_code == 400 and bad.json()["error"] in ("bad_request", "count_out_of_range"), body
        assert (await http.post("/api/events/NOPE99/tickets", headers=ADMIN, json={"count": 1})).status_code == 404
        made = (await http.post(f"/api/events/{code}/tickets", headers=ADMIN, json={"count": 200})).json()
        assert made["count"] == 200 and len(set(made["tickets"])) == 200
        assert all(normalize(t) and len(t) == 14 and not set(t) & set("01ILO") for t in made["tickets"])
        assert made["urls"][0].endswith(f"/e/{code}?ticket={made['tickets'][0]}")
        assert (await http.get(f"/api/events/{code}/tickets.csv")).status_code == 401
        sheet = await http.get(f"/api/events/{code}/tickets.csv", headers=ADMIN)
        rows = list(csv.reader(io.StringIO(sheet.text)))
        assert rows[0] == ["ticket", "url", "used"] and len(rows) == 201
        assert {row[0] for row in rows[1:]} == set(made["tickets"]) and {row[2] for row in rows[1:]} == {"no"}
        assert not any(cell[:1] in "=+-@" for row in rows[1:] for cell in row)
        page = await http.get(f"/e/{code}")
        assert 'id="ticket-form"' in page.text  # the phone asks for a ticket


async def test_a_ticket_admits_exactly_one_identity(server):
    """The first identity to present a ticket gets it (as typed: any case, spaces); the same identity may
    present it again and comes back admitted; a second identity is refused; a wrong code is refused with a
    typed error and the socket stays usable (E22)."""
    event, tickets, moderator = await ticketed_vote(server)
    code, ticket = event["code"], tickets[0]
    first = await Phone(server.ws_url, code).connect()
    state = await first.wait_for(lambda m: m["type"] == "state")
    assert state["my_ticket"] is False
    refused = await first.vote("p1", "agree")
    assert refused["type"] == "error" and refused["code"] == "ticket_required" and refused["message"]
    assert (await first.request({"type": "ticket", "code": "AAAA-AAAA-AAAA"}))["code"] == "unknown_ticket"
    assert (await first.request({"type": "ticket", "code": "x" * 33}))["code"] == "bad_message"
    assert (await first.request({"type": "ticket", "code": 42}))["code"] == "bad_message"
    typed = " " + ticket.lower().replace("-", " ") + " "
    admitted = await first.request({"type": "ticket", "code": typed})
    assert admitted["type"] == "ack" and admitted["ticket"] is True
    assert (await first.vote("p1", "agree"))["type"] == "ack"
    assert (await first.request({"type": "ticket", "code": ticket}))["type"] == "ack"  # again: fine
    second = await Phone(server.ws_url, code).connect()
    used = await second.request({"type": "ticket", "code": ticket})
    assert used["type"] == "error" and used["code"] == "ticket_used"
    assert (await second.vote("p1", "agree"))["code"] == "ticket_required"
    await first.close()
    back = await Phone(server.ws_url, code, token=first.token).connect()  # the same identity, back later
    state = await back.wait_for(lambda m: m["type"] == "state")
    assert state["my_ticket"] is True and state["my_vote"] == "agree"
    assert (await back.vote("p1", "disagree"))["type"] == "ack"
    tally = await moderator.wait_latest("tally", lambda m: m["counts"]["disagree"] == 1)
    assert tally["counts"] == {"agree": 0, "disagree": 1, "neutral": 0}
    async with httpx.AsyncClient(base_url=server.url) as http:
        rows = list(csv.reader(io.StringIO((await http.get(f"/api/events/{code}/tickets.csv", headers=ADMIN)).text)))
    assert [row[2] for row in rows[1:]].count("yes") == 1
    for client in (second, back, moderator):
        await client.close()


async def test_twenty_identities_racing_for_one_ticket(server):
    """Twenty identities present one ticket at the same moment: exactly one is admitted, and only its vote
    counts (E23)."""
    event, tickets, moderator = await ticketed_vote(server)
    phones = await asyncio.gather(*(Phone(server.ws_url, event["code"]).connect() for _ in range(20)))
    replies = await asyncio.gather(*(p.request({"type": "ticket", "code": tickets[1]}) for p in phones))
    winners = [p for p, reply in zip(phones, replies) if reply["type"] == "ack"]
    assert len(winners) == 1
    assert sorted(r.get("code", "") for r in replies).count("ticket_used") == 19
    votes = await asyncio.gather(*(p.vote("p1", "agree") for p in phones))
    assert sum(1 for v in votes if v["type"] == "ack") == 1
    assert {v["code"] for v in votes if v["type"] == "error"} == {"ticket_required"}
    tally = await moderator.wait_latest("tally", lambda m: m["counts"]["agree"] == 1)
    assert tally["voters"] == 1
    for client in (*phones, moderator):
        await client.close()


async def test_without_a_ticket_nobody_asks_upvotes_or_declares(server):
    """In a ticketed event an identity without a ticket cannot ask, upvote or declare a perspective, so the
    small-group guard counts ticket holders only; with a ticket it can (E24)."""
    event, tickets, moderator = await ticketed_vote(server, perspectives=PERSPECTIVES, premoderation=False)
    outsider = await Phone(server.ws_url, event["code"]).connect()
    for message in ({"type": "ask", "text": "Mag ik iets vragen?"}, {"type": "upvote", "question": "q1", "on": True},
                    {"type": "perspective", "value": PERSPECTIVES[0]}):
        reply = await outsider.request(message)
        assert reply["type"] == "error" and reply["code"] == "ticket_required", message
    holder = await Phone(server.ws_url, event["code"]).connect()
    assert (await holder.request({"type": "ticket", "code": tickets[2]}))["type"] == "ack"
    asked = await holder.ask("Mag ik iets vragen?")
    assert asked["type"] == "ack"
    assert (await holder.request({"type": "perspective", "value": PERSPECTIVES[0]}))["type"] == "ack"
    assert (await outsider.upvote(asked["question"]))["code"] == "ticket_required"
    assert (await holder.upvote(asked["question"]))["type"] == "ack"
    for client in (outsider, holder, moderator):
        await client.close()


async def test_stuffing_a_ticketed_event_adds_nothing(server):
    """The stuffing loop (40 parallel sockets connect → vote → close, 5 s) against a ticketed event adds 0
    votes, while ticket holders vote as usual (E25)."""
    event, tickets, moderator = await ticketed_vote(server, count=3)
    holders = []
    for ticket in tickets:
        phone = await Phone(server.ws_url, event["code"]).connect()
        assert (await phone.request({"type": "ticket", "code": ticket}))["type"] == "ack"
        assert (await phone.vote("p1", "agree"))["type"] == "ack"
        holders.append(phone)
    stop = time.monotonic() + 5
    tries = refused = 0

    async def stuffer():
        nonlocal tries, refused
        while time.monotonic() < stop:
            phone = await Phone(server.ws_url, event["code"]).connect()
            reply = await phone.vote("p1", "disagree")
            tries += 1
            refused += reply.get("code") == "ticket_required"
            await phone.close()

    await asyncio.gather(*(stuffer() for _ in range(40)))
    async with httpx.AsyncClient(base_url=server.url) as http:
        export = (await http.get(f"/api/events/{event['code']}/export", headers=ADMIN)).json()
    print(f"E25: {tries} stuffing votes against a ticketed event, {refused} refused")
    assert tries > 100 and refused == tries
    assert export["propositions"][0]["counts"] == {"agree": 3, "disagree": 0, "neutral": 0}
    for client in (*holders, moderator):
        await client.close()


async def test_cards_page_and_new_event_form(server):
    """A ticketed event made at /new gets its tickets; the organiser's cards page shows each with its own QR
    code (eight to an A4 sheet) and makes more; nobody else sees it (E21)."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        form = await http.get("/new")
        csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        created = await http.post("/new", data={
            "csrf": csrf, "title": "Ledenraad", "propositions": "Stelling een", "language": "nl",
            "min_group": "5", "ticketed": "1", "tickets": "10", "admin_password": ADMIN_PASSWORD})
        assert created.status_code == 200, created.text
        code = created.text.split('class="code">', 1)[1].split("<", 1)[0]
        assert f'href="/tickets/{code}"' in created.text
        assert (await http.get(f"/tickets/{code}")).status_code == 401
        login = await http.get("/events")
        csrf = login.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        await http.post("/events", data={"csrf": csrf, "password": ADMIN_PASSWORD})
        cards = await http.get(f"/tickets/{code}")
        assert cards.status_code == 200 and cards.text.count('class="ticket-card') == 10
        assert cards.text.count("<svg") == 10 and cards.text.count('class="ticket-sheet"') == 2
        csrf = cards.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        more = await http.post(f"/tickets/{code}", data={"csrf": csrf, "count": "6"}, follow_redirects=True)
        assert more.status_code == 200 and more.text.count('class="ticket-card') == 16  # followed the redirect
        assert (await http.post(f"/tickets/{code}", data={"csrf": "forged", "count": "6"})).status_code == 400
        assert 'data-testid="not-ticketed"' not in cards.text
        open_event = await create_event(server.url)  # not ticketed: the page says what making tickets does
        assert 'data-testid="not-ticketed"' in (await http.get(f"/tickets/{open_event['code']}")).text
        definition = (await http.get(f"/api/events/{code}/definition", headers=ADMIN)).json()
        assert definition["ticketed"] is True
