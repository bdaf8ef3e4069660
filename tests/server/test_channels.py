"""The hall and the stream, counted apart and together (issue 16, item 6): an identity that first joins
through the stream's link (/s/{code}) counts as the stream's, atomically in the vote script; every view of
the results shows hall, stream and hand counts apart (guarded) and together, checked against tables
computed by hand."""

from __future__ import annotations

import csv
import io

import httpx
from openpyxl import load_workbook

from ..support.clients import Moderator, Phone, Screen
from ..support.servers import ADMIN_PASSWORD

ADMIN = {"Authorization": f"Bearer {ADMIN_PASSWORD}"}


async def joined(server, code: str, link: str) -> Phone:
    """A phone that opened the audience page through a link (a fresh identity, its cookie)."""
    async with httpx.AsyncClient(base_url=server.url, follow_redirects=True) as http:
        page = await http.get(link)
        assert page.status_code == 200 and str(page.url).endswith(f"/e/{code}" + ("?via=stream" if "/s/" in link else ""))
        return await Phone(server.ws_url, code, token=http.cookies[f"lp_{code}"]).connect()


def counts(agree: int, disagree: int, neutral: int) -> dict:
    return {"agree": agree, "disagree": disagree, "neutral": neutral}


async def test_hall_stream_and_hands_apart_and_together_with_the_guard(server):
    """Hall phones (page and socket), stream phones (through /s/{code}, one changing its vote) and a show of
    hands give exact tables per channel in the tally, the results API, the CSV and the workbook; a phone of
    the hall that opens the stream's link later stays the hall's; a stream of one (under min_group 2) is
    withheld and so is the hall then, while the raw export shows both marked."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        event = (await http.post("/api/events", headers=ADMIN, json={
            "title": "Zaal en stream", "propositions": ["Een", "Twee"], "allow_neutral": True, "min_group": 2})).json()
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    hall = [await joined(server, code, f"/e/{code}") for _ in range(3)] + [await Phone(server.ws_url, code).connect()]
    stream = [await joined(server, code, f"/s/{code}") for _ in range(3)]
    # a hall phone that later opens the stream's link keeps its identity and its channel
    async with httpx.AsyncClient(base_url=server.url, follow_redirects=True) as http:
        http.cookies.set(f"lp_{code}", hall[0].token)
        assert (await http.get(f"/s/{code}")).status_code == 200
    screen = await Screen(server.ws_url, code).connect()
    try:
        await moderator.command("goto", proposition="p1")
        await moderator.command("open")
        for phone, choice in zip(hall, ("agree", "agree", "disagree", "neutral")):
            assert (await phone.vote("p1", choice))["type"] == "ack"
        for phone, choice in zip(stream, ("agree", "disagree", "disagree")):
            assert (await phone.vote("p1", choice))["type"] == "ack"
        assert (await stream[0].vote("p1", "neutral"))["type"] == "ack"  # changes its mind: agree → neutral
        await moderator.command("hand_count", proposition="p1", round=1, counts=counts(5, 1, 0), perspective=None)
        # by hand: hall 2/1/1 (4), stream 0/2/1 (3), hands 5/1/0 (6); together 7/4/2 (13)
        expected = {"hall": {"counts": counts(2, 1, 1), "voters": 4}, "stream": {"counts": counts(0, 2, 1), "voters": 3},
                    "hands": {"counts": counts(5, 1, 0), "voters": 6}}
        tally = await moderator.wait_latest("tally", lambda m: m["voters"] == 13)
        assert tally["channels"] == expected and tally["counts"] == counts(7, 4, 2)
        assert "channels" not in (await screen.wait_latest("tally", lambda m: m["voters"] == 13))  # hidden
        async with httpx.AsyncClient(base_url=server.url) as http:
            sealed = (await http.get(f"/api/events/{code}/results")).json()["propositions"][0]
            assert "channels" not in sealed["rounds"]["1"]
            await moderator.command("close")
            await moderator.command("reveal")
            shown = await screen.wait_latest("tally", lambda m: "channels" in m)
            assert shown["channels"] == expected
            public = (await http.get(f"/api/events/{code}/results")).json()["propositions"][0]["rounds"]["1"]
            assert public["channels"] == expected and public["voters"] == 13
            rows = list(csv.DictReader(io.StringIO((await http.get(f"/api/events/{code}/results.csv")).text)))
            table = {r["group"]: [int(r[c]) for c in ("agree", "disagree", "neutral", "voters")]
                     for r in rows if r["proposition"] == "p1"}
            assert table == {"total": [7, 4, 2, 13], "hall": [2, 1, 1, 4], "stream": [0, 2, 1, 3], "hands": [5, 1, 0, 6]}
            book = load_workbook(io.BytesIO((await http.get(f"/api/events/{code}/results.xlsx")).content))
            sheet = [[c.value for c in row][2:8] for row in book["Zaal en stream"].iter_rows(min_row=2)]
            assert sheet == [[1, "Zaal", 4, 2, 1, 1], [1, "Stream", 3, 0, 2, 1], [1, "Handopsteken", 6, 5, 1, 0],
                             [1, "Samen", 13, 7, 4, 2]]
            report = await http.get(f"/results/{code}", headers={"Authorization": f"Bearer {event['moderator_key']}"})
            assert report.status_code == 200
            assert ("Zaal: Eens 2 · Oneens 1 · Neutraal 1 (4)</span> · <span data-channel=\"stream\">Stream: Eens 0 · "
                    "Oneens 2 · Neutraal 1 (3)</span> · <span data-channel=\"hands\">Handopsteken: Eens 5 · Oneens 1 · "
                    "Neutraal 0 (6)") in report.text

            # p2: one stream voter, under the minimum of 2: the stream is withheld, and the hall with it
            await moderator.command("goto", proposition="p2")
            await moderator.command("open")
            for phone in hall[:3]:
                assert (await phone.vote("p2", "agree"))["type"] == "ack"
            assert (await stream[1].vote("p2", "disagree"))["type"] == "ack"
            await moderator.command("close")
            await moderator.command("reveal")
            public = (await http.get(f"/api/events/{code}/results")).json()["propositions"][1]["rounds"]["1"]
            assert public["channels"] == {"hall": None, "stream": None, "hands": {"counts": counts(0, 0, 0), "voters": 0}}
            assert public["counts"] == counts(3, 1, 0)  # the total is always shown
            raw = (await http.get(f"/api/events/{code}/export", headers=ADMIN)).json()["propositions"][1]["rounds"]["1"]
            assert raw["channels"]["hall"] == {"counts": counts(3, 0, 0), "voters": 3, "withheld": True}
            assert raw["channels"]["stream"] == {"counts": counts(0, 1, 0), "voters": 1, "withheld": True}
            rows = list(csv.DictReader(io.StringIO((await http.get(f"/api/events/{code}/results.csv")).text)))
            assert [(r["group"], r["voters"], r["note"]) for r in rows if r["proposition"] == "p2"] == [
                ("total", "4", ""), ("hall", "", "too few votes"), ("stream", "", "too few votes"), ("hands", "0", "")]
    finally:
        for client in (moderator, screen, *hall, *stream):
            await client.close()
