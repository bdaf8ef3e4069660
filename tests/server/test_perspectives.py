"""Perspectives, two rounds and hand counts end to end: every figure equals what the test computes itself."""

from __future__ import annotations

import asyncio
import csv
import io
import random

import httpx

from ..support.clients import Moderator, Phone, Screen
from ..support.servers import ADMIN_PASSWORD

PERSPECTIVES = ["Burger / cliënt", "Professional", "Gemeente", "Anders"]
CHOICES = ("agree", "disagree", "neutral")


async def create(server, min_group=5) -> dict:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post("/api/events", headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"}, json={
            "title": "Jubileumdebat", "propositions": ["Zitten we nog op koers?"], "allow_neutral": True,
            "language": "nl", "perspectives": PERSPECTIVES, "min_group": min_group})
        assert response.status_code == 201, response.text
        return response.json()


def expected_round(votes: dict[str, tuple[str, str | None]], k: int) -> dict:
    """R computed independently from the votes sent: participant -> (choice, perspective)."""
    counts = {c: sum(1 for choice, _ in votes.values() if choice == c) for c in CHOICES}
    by = {}
    for name in PERSPECTIVES:
        group = {c: sum(1 for choice, p in votes.values() if p == name and choice == c) for c in CHOICES}
        by[name] = {"counts": group, "voters": sum(group.values())} if sum(group.values()) >= k else None
    # Secondary suppression (issue 12): exactly one withheld group with voters would follow from the hall
    # total minus the others, so the smallest shown group (the later of equals) is withheld too.
    sizes = {name: sum(1 for _, p in votes.values() if p == name) for name in PERSPECTIVES}
    withheld = [name for name in PERSPECTIVES if by[name] is None and sizes[name]]
    shown = [name for name in PERSPECTIVES if by[name] is not None]
    if len(withheld) == 1 and shown:
        by[min(reversed(shown), key=lambda name: sizes[name])] = None
    return {"counts": counts, "voters": len(votes), "by_perspective": by}


async def test_300_phones_two_rounds_every_figure_matches(server):
    """300 phones across the perspectives vote in two rounds; JSON and CSV equal the figures computed from the votes sent,
    and small groups are withheld on every path."""
    event = await create(server)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    screen = await Screen(server.ws_url, code).connect()
    sizes = {"Burger / cliënt": 120, "Professional": 100, "Gemeente": 77, "Anders": 3}
    declared = [name for name, size in sizes.items() for _ in range(size)]
    phones = await asyncio.gather(*(Phone(server.ws_url, code).connect() for _ in declared))
    for phone, name in zip(phones, declared):
        assert (await phone.request({"type": "perspective", "value": name}))["type"] == "ack"

    rng = random.Random(4)
    rounds: dict[int, dict[str, tuple[str, str | None]]] = {1: {}, 2: {}}
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")

    async def vote(phone, perspective, round_):
        choice = rng.choice(CHOICES)
        assert (await phone.vote("p1", choice))["type"] == "ack"
        rounds[round_][phone.token] = (choice, perspective)

    await asyncio.gather(*(vote(phone, name, 1) for phone, name in zip(phones, declared)))
    await moderator.command("close")

    # Between the rounds a few people change perspective; their round-1 votes keep the old one.
    current = dict(zip([p.token for p in phones], declared))
    for phone in phones[:10]:
        current[phone.token] = "Gemeente"
        assert (await phone.request({"type": "perspective", "value": "Gemeente"}))["type"] == "ack"
    await moderator.command("open", round=2)
    reopened = await phones[0].wait_latest("state", lambda m: m["round"] == 2)
    assert reopened["phase"] == "open" and reopened["revealed"] is False
    voters_2 = [phone for i, phone in enumerate(phones) if i % 7 != 0]  # some stay silent in round 2
    await asyncio.gather(*(vote(phone, current[phone.token], 2) for phone in voters_2))
    await moderator.command("close")

    expected = {r: expected_round(rounds[r], 5) for r in (1, 2)}
    assert expected[1]["by_perspective"]["Anders"] is None  # the small group exists and is withheld

    live = await moderator.wait_latest("tally", lambda m: m["round"] == 2 and m["voters"] == len(voters_2))
    assert live["by_perspective"] == expected[2]["by_perspective"]
    assert "by_perspective" not in (await screen.wait_latest("tally", lambda m: m["round"] == 2))  # hidden
    await moderator.command("reveal")
    shown = await screen.wait_latest("tally", lambda m: "by_perspective" in m)
    assert shown["by_perspective"] == expected[2]["by_perspective"] and shown["counts"] == expected[2]["counts"]
    on_phone = await phones[5].wait_latest("tally", lambda m: "by_perspective" in m)
    assert on_phone["by_perspective"]["Anders"] is None

    async with httpx.AsyncClient(base_url=server.url) as http:
        data = (await http.get(f"/api/events/{code}/results")).json()
        table = list(csv.DictReader(io.StringIO((await http.get(f"/api/events/{code}/results.csv")).text)))
        raw = (await http.get(f"/api/events/{code}/export", headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"})).json()
        assert (await http.get(f"/api/events/{code}/export")).status_code == 401
    result = data["propositions"][0]
    for r in (1, 2):
        got = result["rounds"][str(r)]
        assert got["counts"] == expected[r]["counts"] and got["voters"] == expected[r]["voters"]
        assert got["by_perspective"] == expected[r]["by_perspective"]
    assert result["counts"] == expected[1]["counts"]

    def agree_pct(r, name=None):
        votes = [c for c, p in rounds[r].values() if name is None or p == name]
        return sum(1 for c in votes if c == "agree") * 100 / len(votes)
    assert result["shift"]["total"] == round(agree_pct(2) - agree_pct(1), 1)
    for name in PERSPECTIVES:
        withheld = expected[1]["by_perspective"][name] is None or expected[2]["by_perspective"][name] is None
        assert result["shift"]["by_perspective"][name] == (None if withheld else round(agree_pct(2, name) - agree_pct(1, name), 1))

    moves = {a: {b: 0 for b in CHOICES} for a in CHOICES}
    for token, (before, _) in rounds[1].items():
        if token in rounds[2]:
            moves[before][rounds[2][token][0]] += 1
    assert result["transitions"] == moves

    # CSV: the same public figures; the small group's row has no counts.
    anders = [row for row in table if row["group"] == "Anders"]
    assert anders and all(row["agree"] == "" and row["note"] == "too few votes" for row in anders)
    total_2 = next(row for row in table if row["round"] == "2" and row["group"] == "total")
    assert [int(total_2[c]) for c in CHOICES] == list(expected[2]["counts"].values())
    # The organiser's raw export holds the small group, marked.
    assert raw["propositions"][0]["rounds"]["1"]["by_perspective"]["Anders"]["withheld"] is True
    assert raw["propositions"][0]["rounds"]["1"]["by_perspective"]["Anders"]["voters"] == 3
    for client in (moderator, screen, *phones):
        await client.close()


async def test_hand_counts_count_and_are_marked(server):
    """Hand counts from the moderator add to the displayed result, per perspective or in total, marked manual."""
    event = await create(server, min_group=1)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    phone = await Phone(server.ws_url, code).connect()
    await phone.request({"type": "perspective", "value": "Gemeente"})
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    await phone.vote("p1", "agree")
    await moderator.command("hand_count", proposition="p1", round=1, counts={"agree": 4, "disagree": 2},
                            perspective="Anders")
    await moderator.command("hand_count", proposition="p1", round=1, counts={"agree": 4, "disagree": 2},
                            perspective="Anders")  # a resend replaces, never adds
    # one meaning: with counts for a perspective stored, counts for the whole hall are refused (never a sum)
    refused = await moderator.request({"type": "hand_count", "proposition": "p1", "round": 1,
                                       "counts": {"disagree": 10}, "perspective": None})
    assert refused["type"] == "error" and refused["code"] == "hand_count_mode" and "wis dat eerst" in refused["message"]
    tally = await moderator.wait_latest("tally", lambda m: m["voters"] == 7)
    assert tally["counts"] == {"agree": 5, "disagree": 2, "neutral": 0}
    assert tally["manual"] == {"agree": 4, "disagree": 2, "neutral": 0}
    # Issue 12: hand counts never lift the guard (Anders has no phone voter), and with Anders the only group
    # withheld, Gemeente (the smallest shown) is withheld too; the hands still count in the hall total.
    assert tally["by_perspective"]["Anders"] is None
    assert tally["by_perspective"]["Gemeente"] is None
    await phone.request({"type": "perspective", "value": "Anders"})  # a phone voter: Anders passes min_group=1
    tally = await moderator.wait_latest("tally", lambda m: m["by_perspective"]["Anders"] is not None)
    assert tally["by_perspective"]["Anders"] == {"counts": {"agree": 5, "disagree": 2, "neutral": 0}, "voters": 7}
    bad = await moderator.request({"type": "hand_count", "proposition": "p1", "counts": {"agree": 1},
                                   "perspective": "Nobody"})
    assert bad["code"] == "unknown_perspective"
    assert (await phone.request({"type": "perspective", "value": "Nobody"}))["code"] == "unknown_perspective"
    for client in (moderator, phone):
        await client.close()
