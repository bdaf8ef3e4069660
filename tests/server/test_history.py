"""Results that outlive the evening (issue 15): a series of three events based on each other, with a
re-worded proposition linked by hand and different perspectives; the trend through the results API
equals the figures worked out by hand, with the small-group guard of each evening."""

from __future__ import annotations

import httpx

from live import history

from ..support.clients import Moderator, Phone
from ..support.servers import ADMIN_PASSWORD

ORGANISER = {"Authorization": f"Bearer {ADMIN_PASSWORD}"}


async def post_event(url: str, body: dict) -> dict:
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.post("/api/events", headers=ORGANISER, json=body)
        assert response.status_code == 201, response.text
        return response.json()


async def run_votes(server, event: dict, votes: dict[str, list[tuple[str | None, str]]], reveal=("p1",),
                    hands: dict | None = None) -> None:
    """Per proposition a list of (perspective, choice), one phone each; then close and reveal."""
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    phones: list[Phone] = []
    for proposition, cast in votes.items():
        await moderator.command("goto", proposition=proposition)
        await moderator.command("open")
        for index, (perspective, choice) in enumerate(cast):
            if index >= len(phones):
                phone = await Phone(server.ws_url, code).connect()
                phones.append(phone)
            phone = phones[index]
            if perspective:
                assert (await phone.request({"type": "perspective", "value": perspective}))["type"] == "ack"
            assert (await phone.vote(proposition, choice))["type"] == "ack"
        await moderator.command("close")
        if hands and proposition in hands:
            await moderator.command("hand_count", proposition=proposition, round=1, counts=hands[proposition])
        if proposition in reveal:
            await moderator.command("reveal")
    for client in (moderator, *phones):
        await client.close()


def cast(spec: list[tuple[str | None, int, int]]) -> list[tuple[str | None, str]]:
    """(perspective, agree, disagree) -> one vote per phone."""
    return [(name, choice) for name, agree, disagree in spec
            for choice in ["agree"] * agree + ["disagree"] * disagree]


PERSPECTIVES = ["Burger", "Professional", "Gemeente"]


async def make_series(server) -> tuple[dict, dict, dict]:
    """2018: 8 of 10 agree (Burger 4/5, Professional 3/3, Gemeente 1/2: with k=3 Gemeente is withheld and
    then Professional too); 2022 based on it (copied, linked): 2 of 10; 2026 based on 2022, p1 re-worded and
    linked by hand, perspectives Burger and Zorg: 5 of 10 phones and 2 hands agree."""
    a = await post_event(server.url, {"title": "Jubileum 2018", "propositions": ["Zitten we op koers?", "Wonen"],
                                      "perspectives": PERSPECTIVES, "min_group": 3, "date": "2018-06-01",
                                      "series": "Werkplaatsen jubileumdebat"})
    await run_votes(server, a, {"p1": cast([("Burger", 4, 1), ("Professional", 3, 0), ("Gemeente", 1, 1)]),
                                "p2": cast([(None, 3, 0)])})
    b = await post_event(server.url, {"title": "Debat 2022", "based_on": a["code"], "min_group": 3,
                                      "date": "2022-06-01"})
    await run_votes(server, b, {"p1": cast([("Burger", 1, 4), ("Professional", 1, 4)])})
    c = await post_event(server.url, {"title": "Debat 2026", "based_on": b["code"], "min_group": 3,
                                      "propositions": ["Zitten we nog op de juiste koers?", "Wonen"],
                                      "perspectives": ["Burger", "Zorg"]})
    async with httpx.AsyncClient(base_url=server.url) as http:
        linked = await http.post(f"/api/events/{c['code']}/link", headers=ORGANISER,
                                 json={"proposition": "p1", "previous": {"code": b["code"], "proposition": "p1"}})
        assert linked.status_code == 200, linked.text
    await run_votes(server, c, {"p1": cast([("Burger", 5, 0), ("Zorg", 0, 5)])}, hands={"p1": {"agree": 2}})
    return a, b, c


async def test_trend_across_three_events_equals_the_hand_computed_figures(server):
    """The results API of the third event gives p1's history oldest first; counts, the guard of each evening,
    the changes since the previous and the first event and their verdicts are the hand-computed ones."""
    a, b, c = await make_series(server)
    async with httpx.AsyncClient(base_url=server.url) as http:
        results = (await http.get(f"/api/events/{c['code']}/results")).json()
        definition_b = (await http.get(f"/api/events/{b['code']}/definition", headers=ORGANISER)).json()
    assert definition_b["propositions"] == ["Zitten we op koers?", "Wonen"]  # copied from 2018
    assert definition_b["perspectives"] == PERSPECTIVES and definition_b["series"] == "Werkplaatsen jubileumdebat"
    p1, p2 = results["propositions"]
    trail = p1["history"]
    assert [(t["code"], t["date"]) for t in trail] == [(a["code"], "2018-06-01"), (b["code"], "2022-06-01"),
                                                       (c["code"], trail[2]["date"])]
    assert [t["counts"]["agree"] for t in trail] == [8, 2, 7] and [t["voters"] for t in trail] == [10, 10, 12]
    assert [t["agree"] for t in trail] == [80, 20, 58]  # whole percent, half up (7/12 = 58.3)
    burger = {"counts": {"agree": 4, "disagree": 1, "neutral": 0}, "voters": 5, "agree": 80}
    assert trail[0]["by_perspective"] == {"Burger": burger, "Professional": None, "Gemeente": None}
    assert trail[1]["by_perspective"]["Professional"] == {"counts": {"agree": 1, "disagree": 4, "neutral": 0},
                                                          "voters": 5, "agree": 20}
    assert trail[2]["by_perspective"] == {"Burger": {"counts": {"agree": 5, "disagree": 0, "neutral": 0},
                                                     "voters": 5, "agree": 100},
                                          "Zorg": {"counts": {"agree": 0, "disagree": 5, "neutral": 0}, "voters": 5,
                                                   "agree": 0}}
    assert trail[1]["since_previous"]["total"] == {"pp": -60.0, "p_value": round(4252 / 184756, 4),
                                                   "verdict": "beyond_chance"}
    assert trail[1]["since_previous"]["by_perspective"] == {
        "Burger": {"pp": -60.0, "p_value": round(52 / 252, 4), "verdict": "too_close_to_call"},
        "Professional": None, "Gemeente": None}  # withheld in 2018: no change, ever
    assert trail[2]["since_previous"]["total"]["pp"] == round(700 / 12 - 20, 1)
    assert trail[2]["since_first"]["total"] == {"pp": round(700 / 12 - 80, 1),
                                                "p_value": round(history.fisher_exact(8, 10, 7, 12), 4),
                                                "verdict": "too_close_to_call"}
    assert trail[2]["since_first"]["by_perspective"] == {"Burger": {"pp": 20.0, "p_value": 1.0,
                                                                    "verdict": "too_close_to_call"}}
    # p2 was linked by its text, but never revealed in 2018 or 2026: no counts at either end.
    assert [t["counts"] for t in p2["history"]] == [None, None, None]
    assert [t["voters"] for t in p2["history"]] == [3, 0, 0]


async def test_hidden_means_hidden_across_events(server):
    """A proposition not yet revealed tonight shows no figures in its own history to the public, while the
    earlier events' public figures are there; the organiser sees tonight's too."""
    a = await post_event(server.url, {"title": "2018", "propositions": ["Koers?"]})
    await run_votes(server, a, {"p1": cast([(None, 3, 1)])})
    b = await post_event(server.url, {"title": "2026", "based_on": a["code"]})
    await run_votes(server, b, {"p1": cast([(None, 1, 3)])}, reveal=())
    async with httpx.AsyncClient(base_url=server.url) as http:
        public = (await http.get(f"/api/events/{b['code']}/results")).json()["propositions"][0]
        organiser = (await http.get(f"/api/events/{b['code']}/results", headers=ORGANISER)).json()["propositions"][0]
        screen = (await http.get(f"/api/events/{b['code']}/history/p1")).json()
    assert public["counts"] is None
    assert [t["counts"] for t in public["history"]] == [{"agree": 3, "disagree": 1, "neutral": 0}, None]
    assert public["history"][1]["since_previous"]["total"] is None
    assert screen["history"] == public["history"]
    assert organiser["history"][1]["counts"] == {"agree": 1, "disagree": 3, "neutral": 0}


async def test_bad_links_are_refused(server):
    """Linking to an unknown event or proposition, or with a malformed body, answers a typed error."""
    a = await post_event(server.url, {"title": "2018", "propositions": ["Koers?"]})
    b = await post_event(server.url, {"title": "2026", "propositions": ["Iets anders"]})
    url = f"/api/events/{b['code']}/link"
    async with httpx.AsyncClient(base_url=server.url) as http:
        for body, error in (({"proposition": "p1", "previous": {"code": "ZZZZZZ", "proposition": "p1"}},
                             "unknown_previous_event"),
                            ({"proposition": "p1", "previous": {"code": a["code"], "proposition": "p9"}},
                             "unknown_previous_proposition"),
                            ({"proposition": "p7", "previous": None}, "unknown_proposition"),
                            ({"proposition": 3}, "bad_request")):
            response = await http.post(url, headers=ORGANISER, json=body)
            assert response.status_code == 400 and response.json()["error"] == error, response.text
        assert (await http.post(url, json={"proposition": "p1", "previous": None})).status_code == 401
        missing = await http.post("/api/events", headers=ORGANISER, json={"title": "x", "based_on": "ZZZZZZ"})
        assert missing.status_code == 400 and missing.json()["error"] == "based_on_unknown_event"


async def test_report_shows_the_trend_chart_and_table(server):
    """The printed report has, under the linked proposition, an inline SVG chart and the trend table with each
    debate's share of agree, "too few votes" for a withheld group and the verdict of each change; no request
    leaves the server."""
    a, b, c = await make_series(server)
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = (await http.get(f"/results/{c['code']}", headers=ORGANISER)).text
    section = page[page.index('data-trend="p1"'):]
    section = section[:section.index("</table>")]
    assert '<svg class="trend-chart"' in section and "http://www.w3.org/2000/svg" in section
    assert section.count("<circle") >= 3 and "https://" not in page.split("<body", 1)[1].replace(server.url, "")
    rows = section.split("<tr data-code=")[1:]
    assert [row.split('"')[1] for row in rows] == [a["code"], b["code"], c["code"]]
    assert "80%" in rows[0] and "te weinig stemmen" in rows[0]  # Professional withheld in 2018
    assert "20%" in rows[1] and "meer dan toeval" in rows[1]
    assert "58%" in rows[2] and "Zitten we op koers?" in rows[0]  # the earlier wording is shown


async def test_workbook_has_the_trend_sheet(server):
    """results.xlsx has a sheet "Verloop" (the event is Dutch): per debate the hall and each perspective with
    its share of agree and the changes, a withheld group without figures."""
    import io

    from openpyxl import load_workbook
    a, b, c = await make_series(server)
    async with httpx.AsyncClient(base_url=server.url) as http:
        content = (await http.get(f"/api/events/{c['code']}/results.xlsx", headers=ORGANISER)).content
    sheet = load_workbook(io.BytesIO(content))["Verloop"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    p1 = [row for row in rows if row[0] == "p1"]
    hall = [row for row in p1 if row[5] == "Hele zaal"]
    assert [(row[2], row[6], round(row[7], 4)) for row in hall] == [(a["code"], 10, 0.8), (b["code"], 10, 0.2),
                                                                     (c["code"], 12, round(7 / 12, 4))]
    assert hall[1][8:10] == [-60.0, "meer dan toeval"] and hall[0][8] is None
    professional_2018 = next(row for row in p1 if row[2] == a["code"] and row[5] == "Professional")
    assert professional_2018[6] is None and professional_2018[7] is None and professional_2018[-1] == "te weinig stemmen"


async def test_history_of_unknown_codes_and_propositions(server):
    """The history route answers 404 for an unknown event or proposition (an unknown code counted like every
    lookup of one)."""
    a = await post_event(server.url, {"title": "2018", "propositions": ["Koers?"]})
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get(f"/api/events/{a['code']}/history/p1")).json()["history"] == []
        unknown = await http.get(f"/api/events/{a['code']}/history/p9")
        assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_proposition"
        assert (await http.get("/api/events/ZZZZZZ/history/p1")).status_code == 404


async def test_a_console_links_and_unlinks_a_proposition_by_hand(server):
    """`link_proposition` from the moderator's socket: the same stelling, re-worded, at an earlier
    debate. Every console sees it linked, the results API gets its history; bad links get a typed error
    with the command's id and change nothing; null unlinks it again."""
    a = await post_event(server.url, {"title": "2018", "propositions": ["Zitten we op koers?", "Iets anders"]})
    b = await post_event(server.url, {"title": "2026", "propositions": ["Zijn we nog op koers?"]})
    console = await Moderator(server.ws_url, b["code"], b["moderator_key"]).connect()
    other = await Moderator(server.ws_url, b["code"], b["moderator_key"]).connect()
    try:
        for n, (previous, error) in enumerate((({"code": "ZZZZZZ", "proposition": "p1"}, "unknown_previous_event"),
                                ({"code": b["code"], "proposition": "p1"}, "unknown_previous_event"),
                                ({"code": a["code"], "proposition": "p9"}, "unknown_previous_proposition"))):
            reply = await console.request({"type": "link_proposition", "proposition": "p1", "previous": previous,
                                           "id": f"bad-link-{n}"})
            assert reply["type"] == "error" and reply["code"] == error and reply["id"] == f"bad-link-{n}", reply
        reply = await console.request({"type": "link_proposition", "proposition": "p1", "previous": {"code": 7}})
        assert reply["type"] == "error" and reply["code"] == "bad_message", reply

        ack = await console.command("link_proposition", proposition="p1",
                                    previous={"code": a["code"].lower(), "proposition": "p1"})
        assert ack["previous"] == {"code": a["code"], "proposition": "p1"}
        listed = await other.wait_latest("propositions", lambda m: m["propositions"][0].get("linked") is True)
        assert listed["propositions"][0]["text"] == "Zijn we nog op koers?"
        async with httpx.AsyncClient(base_url=server.url) as http:
            found = (await http.get(f"/api/events/{b['code']}/results", headers=ORGANISER)).json()
        assert [point["code"] for point in found["propositions"][0]["history"]] == [a["code"], b["code"]]

        assert (await console.command("link_proposition", proposition="p1", previous=None))["previous"] is None
        await other.wait_latest("propositions", lambda m: "linked" not in m["propositions"][0])
        async with httpx.AsyncClient(base_url=server.url) as http:
            found = (await http.get(f"/api/events/{b['code']}/results", headers=ORGANISER)).json()
        assert found["propositions"][0]["history"] == []
    finally:
        await console.close()
        await other.close()
