"""Figures the hall can trust (issue 12): live on every proposition and round, attribution
that follows the voter's perspective while voting is open, counts equal to the stored votes."""

from __future__ import annotations

import asyncio

from ..support.clients import Moderator, Phone, Screen, create_event

LIVE = 1.4  # seconds: far above the ~100 ms normal path, under the 2 s audit (two votes in a row cannot both
#              reach the screen within it by audits alone)


async def vote_and_see_live(moderator, screen, phones, proposition: str, round_: int) -> None:
    """Each vote, one after the other, reaches the projector and the console before the audit could repair it."""
    for n, phone in enumerate(phones, start=1):
        assert (await phone.vote(proposition, "agree" if n % 2 else "disagree"))["type"] == "ack"
        def seen(m, n=n):
            return m["proposition"] == proposition and m["round"] == round_ and m["voters"] == n
        await screen.wait_latest("tally", seen, timeout=LIVE)
        await moderator.wait_latest("tally", seen, timeout=LIVE)


async def test_second_proposition_and_second_round_are_live(server):
    """On the first proposition many changes push its version up; on the second proposition (and in its round 2)
    every vote still reaches the projector and console at once, not only at the next 2 s audit."""
    event = await create_event(server.url, propositions=("Een", "Twee"))
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    screen = await Screen(server.ws_url, code).connect()
    phones = [await Phone(server.ws_url, code).connect() for _ in range(4)]

    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    for _ in range(3):  # every change moves p1's version: it ends far above p2's first versions
        for choice in ("agree", "disagree"):
            for phone in phones:
                assert (await phone.vote("p1", choice))["type"] == "ack"
    await screen.wait_latest("tally", lambda m: m["proposition"] == "p1" and m["voters"] == 4)
    await moderator.command("close")

    await moderator.command("goto", proposition="p2")
    await moderator.command("open")
    await screen.wait_latest("state", lambda m: m["proposition"]["id"] == "p2" and m["phase"] == "open")
    await vote_and_see_live(moderator, screen, phones, "p2", 1)
    await moderator.command("close")

    await moderator.command("open", round=2)
    await screen.wait_latest("state", lambda m: m["round"] == 2 and m["phase"] == "open")
    await vote_and_see_live(moderator, screen, phones, "p2", 2)
    for client in (moderator, screen, *phones):
        await client.close()


PERSPECTIVES = ("Burger / cliënt", "Professional", "Gemeente")
CHOICES = ("agree", "disagree", "neutral")


def recount(stored: dict[str, str], round_: int) -> dict[str, dict[str, int]]:
    """Counts by perspective name ("" for none) recounted from the stored votes of one round."""
    by: dict[str, dict[str, int]] = {}
    for field, value in stored.items():
        r, _, _ = field.partition(":")
        if r != str(round_):
            continue
        choice, _, index = value.partition(":")
        name = PERSPECTIVES[int(index) - 1] if index else ""
        group = by.setdefault(name, dict.fromkeys(CHOICES, 0))
        group[choice] += 1
    return by


def stored_counts(counts: dict[str, str], round_: int) -> dict[str, dict[str, int]]:
    """The counts hash of one round, by perspective name ("" for the votes without one)."""
    by: dict[str, dict[str, int]] = {}
    for field, value in counts.items():
        parts = field.split(":")
        if parts[0] != str(round_) or int(value) == 0:
            continue
        if len(parts) == 3:
            by.setdefault(PERSPECTIVES[int(parts[2]) - 1], dict.fromkeys(CHOICES, 0))[parts[1]] += int(value)
    total = {c: int(counts.get(f"{round_}:{c}", 0)) for c in CHOICES}
    without = {c: total[c] - sum(g[c] for g in by.values()) for c in CHOICES}
    if any(without.values()):
        by[""] = without
    return by


def expected(plan: dict[str, tuple[str | None, str | None]]) -> dict[str, dict[str, int]]:
    """What the phones did: participant -> (final perspective, final vote)."""
    by: dict[str, dict[str, int]] = {}
    for perspective, choice in plan.values():
        if choice is not None:
            by.setdefault(perspective or "", dict.fromkeys(CHOICES, 0))[choice] += 1
    return by


async def test_attribution_follows_perspective_under_concurrency(redis_url):
    """300 phones on two servers declare, change and withdraw perspectives and vote in random order while voting
    is open: per perspective the counts equal a recount of the stored votes and what the phones did. After the
    close, changing a perspective moves nothing (frozen); in round 2 only round 2 moves."""
    import random

    from live.store.connect import open_clients

    from ..support.servers import Server, make_settings

    settings = make_settings(redis_url)
    a, b = await Server(settings).start(), await Server(settings).start()
    clients = await open_clients(redis_url)  # a cluster client on a cluster
    client = clients.redis
    try:
        event = await create_event(a.url, propositions=("Een",), perspectives=PERSPECTIVES, min_group=1)
        code = event["code"]
        prefix = f"{settings.key_prefix}:{{{code}}}"
        moderator = await Moderator(a.ws_url, code, event["moderator_key"]).connect()
        phones = await asyncio.gather(*(Phone((a if i % 2 else b).ws_url, code).connect() for i in range(300)))
        rng = random.Random(12)
        final: dict[str, tuple[str | None, str | None]] = {p.token: (None, None) for p in phones}

        async def declare(phone, name):
            reply = await phone.request({"type": "perspective", "value": name})
            assert reply["type"] == "ack", reply
            final[phone.token] = (name, final[phone.token][1])

        async def vote(phone, choice):
            assert (await phone.vote("p1", choice))["type"] == "ack"
            final[phone.token] = (final[phone.token][0], choice)

        # Some declare in the lobby, before any proposition is shown.
        await asyncio.gather(*(declare(p, rng.choice(PERSPECTIVES)) for p in phones[:60]))
        await moderator.command("goto", proposition="p1")
        await moderator.command("open")

        def plan_of():
            steps = [("vote", rng.choice(CHOICES)) for _ in range(rng.randint(1, 2))]
            steps += [("declare", rng.choice((*PERSPECTIVES, None))) for _ in range(rng.randint(0, 3))]
            rng.shuffle(steps)
            return steps

        async def act(phone, steps):
            for kind, value in steps:
                await (vote(phone, value) if kind == "vote" else declare(phone, value))

        await asyncio.gather(*(act(phone, plan_of()) for phone in phones))
        await moderator.command("close")

        votes = await client.hgetall(f"{prefix}:votes:p1")
        counts = await client.hgetall(f"{prefix}:counts:p1")
        assert recount(votes, 1) == stored_counts(counts, 1) == expected(final)
        want = expected(final)
        split = {name: {"counts": want[name], "voters": sum(want[name].values())} if name in want else None
                 for name in PERSPECTIVES}
        live = await moderator.wait_latest("tally", lambda m: m["by_perspective"] == split)
        assert live["voters"] == 300

        # Closed: attribution is frozen.
        await asyncio.gather(*(declare(p, PERSPECTIVES[0]) for p in phones[:50]))
        assert await client.hgetall(f"{prefix}:votes:p1") == votes
        assert await client.hgetall(f"{prefix}:counts:p1") == counts

        # Round 2: declaring moves the round-2 vote, never the round-1 one.
        await moderator.command("open", round=2)
        final2 = {token: (persp, None) for token, (persp, _) in final.items()}
        final = final2
        await asyncio.gather(*(act(phone, plan_of()) for phone in phones[::3]))
        await moderator.command("close")
        after = await client.hgetall(f"{prefix}:votes:p1")
        after_counts = await client.hgetall(f"{prefix}:counts:p1")
        assert recount(after, 1) == recount(votes, 1) == stored_counts(after_counts, 1)
        assert recount(after, 2) == stored_counts(after_counts, 2) == expected(final)
        for c in (moderator, *phones):
            await c.close()
    finally:
        await clients.aclose()
        await a.stop()
        await b.stop()


async def test_hidden_means_hidden_for_every_role_and_route(server):
    """Counts of an unrevealed proposition (open or closed, round 1 or 2) reach only moderators and organisers,
    over HTTP (results, CSV, report, export) and WebSocket; everyone else gets the phase and the voter count."""
    import csv
    import io

    import httpx
    import openpyxl

    from ..support.servers import ADMIN_PASSWORD

    event = await create_event(server.url, propositions=("Een", "Twee"), perspectives=PERSPECTIVES, min_group=1)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    screen = await Screen(server.ws_url, code).connect()
    phones = [await Phone(server.ws_url, code).connect() for _ in range(3)]
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    for phone, name in zip(phones, PERSPECTIVES):
        await phone.request({"type": "perspective", "value": name})
        assert (await phone.vote("p1", "agree"))["type"] == "ack"
    await moderator.wait_latest("tally", lambda m: m["voters"] == 3)

    anonymous = httpx.AsyncClient(base_url=server.url)
    organiser = httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"})
    by_key = httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {event['moderator_key']}"})
    signed_in = httpx.AsyncClient(base_url=server.url)  # the moderator link's session cookie
    assert (await signed_in.get(event["urls"]["moderator"].removeprefix(server.url))).status_code in (200, 303)
    counts = {"agree": 3, "disagree": 0, "neutral": 0}

    async def public_sees_nothing(phase: str, rounds: tuple[str, ...]):
        p1 = (await anonymous.get(f"/api/events/{code}/results")).json()["propositions"][0]
        assert p1["phase"] == phase and p1["revealed"] is False and p1["voters"] == 3
        assert p1["counts"] is None and p1["shift"] is None and p1["transitions"] is None
        assert p1["rounds"] == {r: {"voters": 3 if r == rounds[-1] or r == "1" else 0} for r in rounds}
        rows = list(csv.DictReader(io.StringIO((await anonymous.get(f"/api/events/{code}/results.csv")).text)))
        mine = [row for row in rows if row["proposition"] == "p1"]
        assert [row["group"] for row in mine] == ["total"] * len(rounds)
        assert all(row["agree"] == "" and row["note"] == "hidden" for row in mine)
        assert (await anonymous.get(f"/results/{code}")).status_code == 303  # the report: sign in first
        assert (await anonymous.get(f"/api/events/{code}/export")).status_code == 401
        assert (await by_key.get(f"/api/events/{code}/export")).status_code == 401  # the raw export: organisers
        for client in (organiser, by_key, signed_in):
            p1 = (await client.get(f"/api/events/{code}/results")).json()["propositions"][0]
            assert p1["revealed"] is False and p1["rounds"][rounds[-1]]["counts"] == counts
            assert p1["rounds"][rounds[-1]]["by_perspective"]["Gemeente"]["voters"] == 1
            table = (await client.get(f"/api/events/{code}/results.csv")).text
            assert "hidden" not in table and "Gemeente" in table
        report = await signed_in.get(f"/results/{code}")
        assert report.status_code == 200 and "Een" in report.text
        assert f'href="/api/events/{code}/results.xlsx"' in report.text  # the spreadsheet, one click away
        for client, rows in ((anonymous, 0), (organiser, len(PERSPECTIVES))):  # the workbook: the same rules
            book = openpyxl.load_workbook(io.BytesIO((await client.get(f"/api/events/{code}/results.xlsx")).content))
            split = [row for row in book["Per perspectief"].iter_rows(min_row=2, values_only=True)
                     if row[0] == "p1" and row[2] == int(rounds[-1]) and row[3] in PERSPECTIVES]
            assert len(split) == rows
        raw = (await organiser.get(f"/api/events/{code}/export")).json()["propositions"][0]
        assert raw["rounds"][rounds[-1]]["counts"] == counts
        # WebSocket: the projector sees how many voted, a phone nothing, the moderator everything.
        hidden = await screen.wait_latest("tally", lambda m: m["round"] == int(rounds[-1]) and m["voters"] == 3)
        assert "counts" not in hidden and "by_perspective" not in hidden and "equal_weight" not in hidden
        assert hidden["turnout"] == {name: 1 for name in PERSPECTIVES}  # sealed turnout: voters only
        late = await Phone(server.ws_url, code).connect()
        await late.wait_for(lambda m: m["type"] == "questions")  # the snapshot: state, (tally), questions
        start = len(late.messages)
        await late.send({"type": "sync"})
        await late.wait_for(lambda m: m["type"] == "questions", start=start)
        assert [m for m in late.messages if m["type"] == "tally"] == []
        await late.close()
        assert all(m["type"] != "tally" for phone in phones for m in phone.messages)
        assert (await moderator.wait_latest("tally", lambda m: m["voters"] == 3))["counts"] == counts

    try:
        await public_sees_nothing("open", ("1",))
        await moderator.command("close")
        await public_sees_nothing("closed", ("1",))
        await moderator.command("reveal")
        p1 = (await anonymous.get(f"/api/events/{code}/results")).json()["propositions"][0]
        assert p1["revealed"] is True and p1["counts"] == counts and p1["rounds"]["1"]["by_perspective"]
        await phones[0].wait_latest("tally", lambda m: m.get("counts") == counts)

        await moderator.command("open", round=2)  # results hidden again, round 1's included
        for phone in phones:
            assert (await phone.vote("p1", "agree"))["type"] == "ack"
        for phone in phones:
            phone.messages.clear()
        await moderator.wait_latest("tally", lambda m: m["round"] == 2 and m["voters"] == 3)
        await public_sees_nothing("open", ("1", "2"))
    finally:
        for client in (anonymous, organiser, by_key, signed_in):
            await client.aclose()
        for client in (moderator, screen, *phones):
            await client.close()


async def test_spreadsheet_and_csv_variants_match_the_results_api(server):
    """results.xlsx, opened with openpyxl, holds every table of the results API (same access rules, headers in the
    event's language, numbers as numbers, percentages formatted); results.csv?excel=nl is `;` with a BOM; text that
    would run as a formula is neutralised in every variant."""
    import csv
    import io

    import httpx
    import openpyxl

    from ..support.servers import ADMIN_PASSWORD

    evil = "=HYPERLINK(\"http://x\",\"cliënten\")"
    event = await create_event(server.url, propositions=(evil, "Twee"), perspectives=PERSPECTIVES, min_group=2,
                               premoderation=False)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    phones = [await Phone(server.ws_url, code).connect() for _ in range(6)]
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    plan = [("Burger / cliënt", "agree", "disagree"), ("Burger / cliënt", "agree", "agree"),
            ("Professional", "disagree", "agree"), ("Professional", "disagree", "disagree"),
            ("Gemeente", "neutral", "agree"), ("Gemeente", "agree", "agree")]
    for phone, (name, first, _) in zip(phones, plan):
        await phone.request({"type": "perspective", "value": name})
        assert (await phone.vote("p1", first))["type"] == "ack"
    await moderator.command("close")
    await moderator.command("open", round=2)
    for phone, (_, _, second) in zip(phones, plan):
        assert (await phone.vote("p1", second))["type"] == "ack"
    await moderator.command("hand_count", proposition="p1", round=2, counts={"agree": 3, "disagree": 1},
                            perspective=None)
    await moderator.command("close")
    assert (await phones[0].ask("@SUM(A1:A9) -1 +1"))["type"] == "ack"

    async with httpx.AsyncClient(base_url=server.url) as anonymous, \
            httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"}) as organiser:
        # Not revealed: the workbook is sealed for everyone but the organiser (and moderators).
        sealed = openpyxl.load_workbook(io.BytesIO((await anonymous.get(f"/api/events/{code}/results.xlsx")).content))
        rows = list(sealed["Uitslag"].iter_rows(min_row=2, values_only=True))
        assert rows[0][:4] == ("p1", evil, 1, 6)
        assert all(cell is None for cell in rows[0][4:13]) and rows[0][14] == "Uitslag nog niet getoond"
        assert list(sealed["Per perspectief"].iter_rows(min_row=2, values_only=True)) == []

        response = await organiser.get(f"/api/events/{code}/results.xlsx")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        data = (await organiser.get(f"/api/events/{code}/results")).json()
        dutch = (await organiser.get(f"/api/events/{code}/results.csv?excel=nl")).content
        tools = (await organiser.get(f"/api/events/{code}/results.csv")).text
        questions_nl = (await organiser.get(f"/api/events/{code}/questions.csv?excel=nl")).content

    # Who moved and the McNemar verdict, by hand from the plan: b = 1 (agree → disagree), c = 2.
    assert p1_shift(data) == {"moved": {"agree_to_disagree": 1, "disagree_to_agree": 1, "to_neutral": 0,
                                        "from_neutral": 1},
                              "test": {"left_agree": 1, "joined_agree": 2, "p_value": 1.0,
                                       "verdict": "too_close_to_call"}}
    assert book.sheetnames == ["Uitslag", "Per perspectief", "Zaal en stream", "Verschuiving", "Wie schoof op", "Vragen"]
    results = book["Uitslag"]
    header = [c.value for c in results[1]]
    assert header[:10] == ["Stelling", "Tekst", "Ronde", "Stemmers", "Eens", "Oneens", "Neutraal",
                           "Eens %", "Oneens %", "Neutraal %"]
    p1 = data["propositions"][0]
    lines = [row for row in results.iter_rows(min_row=2) if row[0].value == "p1"]
    assert [row[2].value for row in lines] == [1, 2]
    for row, key in zip(lines, ("1", "2")):
        r = p1["rounds"][key]
        assert row[1].value == evil and row[1].data_type == "s"  # text, never a formula
        assert row[3].value == r["voters"]
        assert [row[i].value for i in (4, 5, 6)] == [r["counts"][c] for c in CHOICES]
        for i, c in zip((7, 8, 9), CHOICES):
            assert isinstance(row[i].value, (int, float)) and row[i].number_format == "0.0%"
            assert abs(row[i].value - r["counts"][c] / r["voters"]) < 1e-9
        assert [row[i].value for i in (10, 11, 12)] == [(r["manual"] or {}).get(c) for c in CHOICES]
    split = [row for row in book["Per perspectief"].iter_rows(min_row=2, values_only=True) if row[0] == "p1"]
    for key in ("1", "2"):
        r = p1["rounds"][key]
        for name, group in r["by_perspective"].items():
            line = next(row for row in split if row[2] == int(key) and row[3] == name)
            if group is None:
                assert line[4:11] == (None,) * 7 and line[11] == "te weinig stemmen"
            else:
                assert line[4] == group["voters"] and list(line[5:8]) == [group["counts"][c] for c in CHOICES]
        if r["equal_weight"]:
            line = next(row for row in split if row[2] == int(key) and str(row[3]).startswith("Gelijk gewogen"))
            assert all(g in line[3] for g in r["equal_weight_groups"])
            assert [round(v * 100, 1) for v in line[8:11]] == [r["equal_weight"][c] for c in CHOICES]
    shift = {row[2]: row[3] for row in book["Verschuiving"].iter_rows(min_row=2, values_only=True) if row[0] == "p1"}
    assert shift == {"Hele zaal": p1["shift"]["total"], **p1["shift"]["by_perspective"]}
    moved = {(row[2], row[3]): row[4] for row in book["Wie schoof op"].iter_rows(min_row=2, values_only=True)}
    names = {"agree": "Eens", "disagree": "Oneens", "neutral": "Neutraal"}
    assert moved == {(names[a], names[b]): p1["transitions"][a][b] for a in CHOICES for b in CHOICES}
    asked = list(book["Vragen"].iter_rows(min_row=2))
    assert [(row[0].value, row[2].value) for row in asked] == [(q["text"], q["votes"]) for q in data["questions"]]
    assert asked[0][0].data_type == "s"

    # The CSVs: Dutch Excel has a BOM, `;`, decimal commas and intact "cliënten"; every variant neutralises formulas.
    assert dutch.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(dutch.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["proposition", "text", "round"]
    assert all(row[1] == "'" + evil for row in table[1:] if row[0] == "p1")
    assert "cliënten" in dutch.decode("utf-8-sig")
    shift_nl = next(row for row in table if row[0] == "p1" and row[2] == "2" and row[3] == "total")[12]
    assert shift_nl == str(p1["shift"]["total"]).replace(".", ",")
    assert all(row[1] == "'" + evil for row in csv.reader(io.StringIO(tools)) if row[0] == "p1")
    questions = list(csv.reader(io.StringIO(questions_nl.decode("utf-8-sig")), delimiter=";"))
    assert questions[1][1] == "'@SUM(A1:A9) -1 +1"
    for client in (moderator, *phones):
        await client.close()


def p1_shift(data: dict) -> dict:
    shift = data["propositions"][0]["shift"]
    return {"moved": shift["moved"], "test": shift["test"]}


async def test_before_after_reaches_the_screens_once_round_2_is_closed(redis_url):
    """Once round 2 is closed, round-2 tallies carry round 1, the shift, who moved and the verdict: to the
    moderator at once, to the projector (on another server) and phones only once revealed, and to a late
    projector in its snapshot."""
    from ..support.servers import Server, make_settings

    settings = make_settings(redis_url)
    a, b = await Server(settings).start(), await Server(settings).start()
    try:
        event = await create_event(a.url, propositions=("Een",), perspectives=PERSPECTIVES, min_group=2)
        code = event["code"]
        moderator = await Moderator(a.ws_url, code, event["moderator_key"]).connect()
        screen = await Screen(b.ws_url, code).connect()
        phones = [await Phone((a if i % 2 else b).ws_url, code).connect() for i in range(10)]
        await moderator.command("goto", proposition="p1")
        await moderator.command("open")
        # round 1: 2 agree, 8 disagree; round 2: the 8 disagree move to agree, nobody leaves agree
        for i, phone in enumerate(phones):
            await phone.request({"type": "perspective", "value": PERSPECTIVES[i % 2]})
            assert (await phone.vote("p1", "agree" if i < 2 else "disagree"))["type"] == "ack"
        await moderator.command("close")
        await moderator.command("open", round=2)
        for phone in phones:
            assert (await phone.vote("p1", "agree"))["type"] == "ack"
        await moderator.wait_latest("tally", lambda m: m["round"] == 2 and m["voters"] == 10)
        assert "before_after" not in moderator.latest("tally")  # still open: no comparison yet
        # round 1 beside round 2 at once for the moderator; for the others only once round 2 is revealed
        first = (await moderator.wait_latest("tally", lambda m: m["round"] == 2 and "round1" in m))["round1"]
        assert first["counts"] == {"agree": 2, "disagree": 8, "neutral": 0} and first["voters"] == 10
        assert set(first) == {"counts", "voters", "by_perspective"}
        assert all("round1" not in m for m in screen.messages if m["type"] == "tally")
        assert all(m["type"] != "tally" or m["round"] == 1 for m in phones[0].messages)
        await moderator.command("close")

        compared = await moderator.wait_latest("tally", lambda m: "before_after" in m)
        before = compared["before_after"]
        assert before["round1"]["counts"] == {"agree": 2, "disagree": 8, "neutral": 0}
        assert before["round1"]["voters"] == 10
        assert before["shift"]["total"] == 80.0 and before["paired"] == 10
        assert before["moved"] == {"agree_to_disagree": 0, "disagree_to_agree": 8, "to_neutral": 0,
                                   "from_neutral": 0}
        assert before["test"]["verdict"] == "beyond_chance" and before["test"]["p_value"] == round(2 / 256, 4)
        assert all("before_after" not in m for m in screen.messages if m["type"] == "tally")  # hidden
        await moderator.command("reveal")
        shown = await screen.wait_latest("tally", lambda m: "before_after" in m)
        assert shown["before_after"] == before
        on_phone = await phones[3].wait_latest("tally", lambda m: "before_after" in m)
        assert on_phone["before_after"] == before
        late = await Screen(b.ws_url, code).connect()
        snapshot = await late.wait_for(lambda m: m["type"] == "tally")
        assert snapshot["before_after"] == before
        assert snapshot["round1"] == first == before["round1"]  # in a late projector's snapshot too
        # The moderator chooses the projector's view; the state carries it to every worker.
        assert (await late.wait_for(lambda m: m["type"] == "state"))["compare"] == "before_after"
        await moderator.command("compare", show="who_moved")
        await screen.wait_latest("state", lambda m: m["compare"] == "who_moved")
        assert (await moderator.request({"type": "compare", "show": "everything"}))["code"] == "bad_message"
        assert (await screen.request({"type": "compare", "show": "round2"}))["code"] == "not_allowed"
        assert (await screen.wait_latest("tally", lambda m: "before_after" in m))["before_after"] == before
        for client in (moderator, screen, late, *phones):
            await client.close()
    finally:
        await a.stop()
        await b.stop()
