"""Changing the perspectives on the night, before the first vote: every client is told at
once, a declared perspective that keeps its name keeps counting under it, bad lists are
refused, and once a vote is in (even one racing the edit) the change is refused."""

from __future__ import annotations

import asyncio

import httpx

from ..support.clients import Moderator, Phone, Screen, create_event
from ..support.servers import ADMIN_PASSWORD


async def test_perspectives_change_until_the_first_vote(server):
    """A console replaces the perspectives; phones, the projector and the other console get
    the new list; a phone's declared perspective follows its name; after a vote: votes_cast."""
    event = await create_event(server.url, perspectives=("Burger", "Professional"))
    code, key = event["code"], event["moderator_key"]
    laptop = await Moderator(server.ws_url, code, key).connect()
    remote = await Moderator(server.ws_url, code, key).connect()
    screen = await Screen(server.ws_url, code).connect()
    kept, dropped = await Phone(server.ws_url, code).connect(), await Phone(server.ws_url, code).connect()
    assert (await kept.request({"type": "perspective", "value": "Professional"}))["type"] == "ack"
    assert (await dropped.request({"type": "perspective", "value": "Burger"}))["type"] == "ack"

    new = ["Gemeente", "Professional", "Cliënt"]
    ack = await laptop.command("edit_perspectives", perspectives=[" Gemeente ", "Professional", "Cliënt", ""])
    assert ack["perspectives"] == new  # cleaned: trimmed, empty lines dropped
    for client in (laptop, remote, screen, kept, dropped):
        await client.wait_latest("perspectives", lambda m: m["perspectives"] == new)
    late = await Phone(server.ws_url, code).connect()  # a phone that joins later is welcomed with them
    welcome = await late.wait_latest("welcome", lambda m: True)
    assert welcome["event"]["perspectives"] == new

    # bad lists: a typed error, nothing changed, the socket stays usable
    for bad in (["Een", "Een"], ["x" * 41], [f"Groep {i}" for i in range(11)]):
        refused = await remote.request({"type": "edit_perspectives", "perspectives": bad})
        assert refused["type"] == "error" and refused["code"] == "perspective_names" and refused["message"]
    not_a_list = await remote.request({"type": "edit_perspectives", "perspectives": "Gemeente"})
    assert not_a_list["code"] == "bad_message"
    phone_tries = await kept.request({"type": "edit_perspectives", "perspectives": ["Ik"]})
    assert phone_tries["code"] == "not_allowed"

    # the kept name still counts its phone's vote under it; the dropped one's is withdrawn
    await laptop.command("goto", proposition="p1")
    await laptop.command("open")
    for phone in (kept, dropped, late):
        assert (await phone.vote("p1", "agree"))["type"] == "ack"
    await laptop.command("close")
    async with httpx.AsyncClient(base_url=server.url) as http:
        report = (await http.get(f"/api/events/{code}/export",
                                 headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"})).json()
    assert report["perspectives"] == new
    groups = report["propositions"][0]["rounds"]["1"]["by_perspective"]
    assert {name: group["voters"] for name, group in groups.items()} == {"Gemeente": 0, "Professional": 1, "Cliënt": 0}
    assert report["propositions"][0]["voters"] == 3
    refused = await remote.request({"type": "edit_perspectives", "perspectives": ["Anders"]})
    assert refused["type"] == "error" and refused["code"] == "votes_cast"
    assert "gestemd" in refused["message"]  # in the event's language, Dutch
    again = await Moderator(server.ws_url, code, key).connect()
    assert (await again.wait_latest("welcome", lambda m: True))["event"]["perspectives"] == new
    for client in (laptop, remote, again, screen, kept, dropped, late):
        await client.close()


async def test_a_vote_racing_the_change_wins_or_loses_whole(server):
    """Votes and a change of perspectives at the same moment: either the change happened
    before every vote, or it is refused with votes_cast; never a change after a vote."""
    event = await create_event(server.url, perspectives=("Burger", "Professional"))
    code, key = event["code"], event["moderator_key"]
    console = await Moderator(server.ws_url, code, key).connect()
    await console.command("goto", proposition="p1")
    await console.command("open")
    phones = await asyncio.gather(*(Phone(server.ws_url, code).connect() for _ in range(20)))
    replies = await asyncio.gather(console.request({"type": "edit_perspectives", "perspectives": ["Een", "Twee"]}),
                                   *(phone.vote("p1", "agree") for phone in phones))
    change, votes = replies[0], replies[1:]
    assert all(v["type"] == "ack" for v in votes)
    again = await console.request({"type": "edit_perspectives", "perspectives": ["Drie"]})
    assert again["code"] == "votes_cast"
    welcome = await Moderator(server.ws_url, code, key).connect()
    names = (await welcome.wait_latest("welcome", lambda m: True))["event"]["perspectives"]
    assert names == (["Een", "Twee"] if change["type"] == "ack" else ["Burger", "Professional"])
    assert change["type"] == "ack" or change["code"] == "votes_cast"
    for client in (console, welcome, *phones):
        await client.close()
