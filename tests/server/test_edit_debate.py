"""Editing the debate on the night: add, edit, move and remove propositions while 200 phones
vote, from two consoles at once. No vote is lost, every client ends with the same order,
an edited proposition keeps its votes (and its earlier text), a proposition with votes
cannot be removed."""

from __future__ import annotations

import asyncio
import random

import httpx

from ..support.clients import Moderator, Phone, Screen, create_event
from ..support.servers import ADMIN_PASSWORD, Server, make_settings


def order(message: dict) -> list[str]:
    return [p["id"] for p in sorted(message["propositions"], key=lambda p: p["index"])]


async def test_edits_from_two_consoles_while_200_phones_vote(server):
    event = await create_event(server.url, propositions=("Een", "Twee", "Drie"))
    code, key = event["code"], event["moderator_key"]
    laptop = await Moderator(server.ws_url, code, key).connect()
    remote = await Moderator(server.ws_url, code, key).connect()
    screen = await Screen(server.ws_url, code).connect()
    await laptop.command("goto", proposition="p1")
    await laptop.command("open")
    phones = await asyncio.gather(*(Phone(server.ws_url, code).connect() for _ in range(200)))
    rng = random.Random(11)
    final: dict[str, str] = {}

    async def behave(phone: Phone):
        for _ in range(2):  # everyone votes, then changes or repeats
            choice = rng.choice(["agree", "disagree", "neutral"])
            assert (await phone.vote("p1", choice))["type"] == "ack"
            final[phone.token] = choice

    added: list[str] = []

    async def laptop_edits():
        added.append((await laptop.command("add_proposition", text="Uit het panel", after="p1"))["proposition"])
        await laptop.command("edit_proposition", proposition="p1", text="Een, zonder typfout")
        await laptop.command("move_proposition", proposition="p3", index=0)
        added.append((await laptop.command("add_proposition", text="Aan het eind", after=None))["proposition"])

    async def remote_edits():
        added.append((await remote.command("add_proposition", text="Van de telefoon"))["proposition"])
        await remote.command("move_proposition", proposition="p2", index=1)
        await remote.command("remove_proposition", proposition="p2")
        await remote.command("edit_proposition", proposition="p3", text="Drie, herschreven")

    await asyncio.gather(*(behave(phone) for phone in phones), laptop_edits(), remote_edits())
    assert len(set(added)) == 3 and not set(added) & {"p1", "p2", "p3"}

    # removing a proposition with votes is refused, clearly; so is an unknown place
    refused = await remote.request({"type": "remove_proposition", "proposition": "p1"})
    assert refused["type"] == "error" and refused["code"] == "has_votes" and refused["message"]
    bad = await remote.request({"type": "move_proposition", "proposition": "p1", "index": 99})
    assert bad["code"] == "bad_index"

    # the same order everywhere: both consoles' lists, every client's state
    async with httpx.AsyncClient(base_url=server.url) as http:
        export = (await http.get(f"/api/events/{code}/definition",
                                 headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"})).json()
        report = (await http.get(f"/api/events/{code}/results")).json()
    ids = [p["id"] for p in report["propositions"]]
    assert "p2" not in ids and len(ids) == 5 and set(added) <= set(ids)
    for console in (laptop, remote):
        latest = await console.wait_latest("propositions", lambda m, ids=ids: order(m) == ids)
        assert latest["total"] == 5
    for client in (laptop, remote, screen, *phones):
        state = await client.wait_latest("state", lambda m: m["proposition"]["text"] == "Een, zonder typfout"
                                         and m["total"] == 5)
        assert state["proposition"]["index"] == ids.index("p1")

    # no vote lost, and the edited proposition kept them, with its earlier text
    expected = {choice: sum(1 for c in final.values() if c == choice) for choice in ("agree", "disagree", "neutral")}
    tally = await laptop.wait_latest("tally", lambda m: m["counts"] == expected)
    assert tally["voters"] == 200 and tally["proposition"] == "p1"
    first = report["propositions"][ids.index("p1")]
    assert first["voters"] == 200 and first["text"] == "Een, zonder typfout" and first["earlier"] == ["Een"]
    assert [p["text"] for p in report["propositions"]][0] == "Drie, herschreven"
    assert "earlier" not in report["propositions"][0]  # edited before any vote: nothing to mark
    assert export["propositions"] == [p["text"] for p in report["propositions"]]  # the definition follows
    for client in (laptop, remote, screen, *phones):
        await client.close()


async def test_an_edit_on_one_server_reaches_the_other(redis_url):
    """An edit on server A reaches a console and a phone on server B at once, and B takes
    votes and commands on an added proposition (its rooms took the new list)."""
    settings = make_settings(redis_url)
    a, b = await Server(settings).start(), await Server(settings).start()
    try:
        event = await create_event(a.url)
        code, key = event["code"], event["moderator_key"]
        on_a = await Moderator(a.ws_url, code, key).connect()
        on_b = await Moderator(b.ws_url, code, key).connect()
        phone_b = await Phone(b.ws_url, code).connect()
        await on_a.command("goto", proposition="p1")
        added = (await on_a.command("add_proposition", text="Nieuw", after="p1"))["proposition"]
        listed = await on_b.wait_latest("propositions", lambda m: order(m) == ["p1", added, "p2"])
        assert listed["propositions"][1]["text"] == "Nieuw"
        await phone_b.wait_latest("state", lambda m: m["total"] == 3)
        await on_b.command("goto", proposition=added)
        await on_b.command("open")
        assert (await phone_b.vote(added, "agree"))["type"] == "ack"
        await on_a.wait_latest("tally", lambda m: m["proposition"] == added and m["voters"] == 1)
        for client in (on_a, on_b, phone_b):
            await client.close()
    finally:
        await a.stop()
        await b.stop()


async def test_an_edited_proposition_is_marked_in_the_csv_and_the_workbook(server):
    """A text edited after votes came in carries its earlier text in results.csv (both
    variants) and in the workbook's Results sheet; one edited before any vote does not."""
    import csv
    import io

    import openpyxl

    event = await create_event(server.url, propositions=("Een met tipfout", "Twee"))
    code, key = event["code"], event["moderator_key"]
    console = await Moderator(server.ws_url, code, key).connect()
    phone = await Phone(server.ws_url, code).connect()
    await console.command("goto", proposition="p1")
    await console.command("open")
    assert (await phone.vote("p1", "agree"))["type"] == "ack"
    await console.command("edit_proposition", proposition="p1", text="Een zonder typfout")
    await console.command("edit_proposition", proposition="p2", text="Twee, herschreven")
    async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as http:
        rows = list(csv.DictReader(io.StringIO((await http.get(f"/api/events/{code}/results.csv")).text)))
        dutch = (await http.get(f"/api/events/{code}/results.csv?excel=nl")).text
        book = openpyxl.load_workbook(io.BytesIO((await http.get(f"/api/events/{code}/results.xlsx")).content))
    first = [row for row in rows if row["proposition"] == "p1"]
    assert first and all(row["earlier_text"] == "Een met tipfout" for row in first)
    assert first[0]["text"] == "Een zonder typfout" and first[0]["phone_voters"] == "1"
    assert all(row["earlier_text"] == "" for row in rows if row["proposition"] == "p2")
    assert "Een met tipfout" in dutch
    sheet = book["Uitslag"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Eerdere tekst (aangepast)")
    values = {row[0]: row[column] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values == {"p1": "Een met tipfout", "p2": None}
    for client in (console, phone):
        await client.close()
