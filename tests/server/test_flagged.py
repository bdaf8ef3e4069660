"""The moderator's one-action, reversible exclusion of flagged identities (issue 13,
must-have 2; docs/test-plan.md E27–E28): recorded, and followed by every screen."""

from __future__ import annotations

import httpx
import orjson

from live.store.connect import open_clients

from ..support.clients import Moderator, Phone, Screen, create_event
from ..support.servers import ADMIN_PASSWORD

GROUPS = ["Leden", "Bestuur"]


async def flagged_hall(server):
    """Seven socket-only identities of "Bestuur" vote agree and leave (the last three are flagged: the
    fifth such socket within a minute and every one after it); one phone that loaded the page votes
    disagree as "Leden" and stays."""
    event = await create_event(server.url, perspectives=GROUPS, min_group=1)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    await moderator.command("goto", proposition="p1")
    await moderator.command("open")
    for _ in range(7):
        phone = await Phone(server.ws_url, code).connect()
        assert (await phone.request({"type": "perspective", "value": "Bestuur"}))["type"] == "ack"
        assert (await phone.vote("p1", "agree"))["type"] == "ack"
        await phone.close()
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await http.get(f"/e/{code}")
    member = await Phone(server.ws_url, code, headers={"Cookie": f"lp_{code}={page.cookies[f'lp_{code}']}"}).connect()
    assert (await member.request({"type": "perspective", "value": "Leden"}))["type"] == "ack"
    assert (await member.vote("p1", "disagree"))["type"] == "ack"
    await moderator.wait_latest("tally", lambda m: m["flagged"]["agree"] == 3 and m["counts"]["disagree"] == 1)
    return event, moderator, member


async def audit_log(server, code: str) -> list[dict]:
    clients = await open_clients(server.settings.redis_url)
    try:
        raw = await clients.redis.lrange(f"{server.settings.key_prefix}:{{{code}}}:audit", 0, -1)
    finally:
        await clients.aclose()
    return [orjson.loads(line) for line in reversed(raw)]


async def test_excluding_flagged_identities_is_one_reversible_recorded_action(server):
    """With one command the projector, the phones and the overlays show the figures without flagged identities
    (in total and per perspective); the console keeps both; the action is in the audit log; the same command
    with on=false shows them again (E27)."""
    event, moderator, member = await flagged_hall(server)
    code = event["code"]
    await moderator.command("reveal")
    screen = await Screen(server.ws_url, code).connect()
    await screen.wait_latest("tally", lambda m: m.get("counts", {}).get("agree") == 7)
    tally = await moderator.wait_latest("tally", lambda m: m["counts"]["agree"] == 7)
    assert tally["unflagged"] == {"counts": {"agree": 4, "disagree": 1, "neutral": 0}, "voters": 5}
    assert tally["exclude_flagged"] is False

    await moderator.command("exclude_flagged", on=True)
    shown = await screen.wait_latest("tally", lambda m: m.get("counts", {}).get("agree") == 4)
    assert shown["voters"] == 5 and "flagged" not in shown and "unflagged" not in shown
    assert shown["by_perspective"]["Bestuur"]["counts"]["agree"] == 4
    assert shown["by_perspective"]["Leden"]["counts"]["disagree"] == 1
    await member.wait_latest("tally", lambda m: m.get("counts", {}).get("agree") == 4)
    state = await screen.wait_latest("state", lambda m: m["exclude_flagged"] is True)
    console = await moderator.wait_latest("tally", lambda m: m["exclude_flagged"] is True)
    assert console["counts"]["agree"] == 7 and console["unflagged"]["counts"]["agree"] == 4
    late = await Screen(server.ws_url, code).connect()  # a projector that joins now: its snapshot too
    assert (await late.wait_for(lambda m: m["type"] == "tally"))["counts"]["agree"] == 4
    assert (await moderator.request({"type": "exclude_flagged", "on": True}))["type"] == "ack"  # no change

    await moderator.command("exclude_flagged", on=False)
    await screen.wait_latest("tally", lambda m: m.get("counts", {}).get("agree") == 7)
    await screen.wait_latest("state", lambda m: m["exclude_flagged"] is False and m["seq"] > state["seq"])
    log = await audit_log(server, code)
    assert [(e["action"], e["on"], e["by"]) for e in log] == [("exclude_flagged", True, "key"),
                                                               ("exclude_flagged", False, "key")]
    assert log[0]["at"] <= log[1]["at"]
    for client in (screen, late, member, moderator):
        await client.close()


async def test_bad_exclusion_commands_are_refused_and_change_nothing(server):
    """A non-boolean `on`, a missing one, or the command from a phone or a projector gets a typed error, the
    socket stays usable and nothing is excluded or recorded (E28)."""
    event, moderator, member = await flagged_hall(server)
    code = event["code"]
    for bad in ({"on": "yes"}, {"on": 1}, {}, {"on": None}):
        reply = await moderator.request({"type": "exclude_flagged", **bad})
        assert reply["type"] == "error" and reply["code"] == "bad_message", bad
    screen = await Screen(server.ws_url, code).connect()
    for client in (member, screen):
        reply = await client.request({"type": "exclude_flagged", "on": True})
        assert reply["type"] == "error" and reply["code"] in ("not_allowed", "unknown_type")
    assert (await member.vote("p1", "agree"))["type"] == "ack"  # still usable
    tally = await moderator.wait_latest("tally", lambda m: m["counts"]["agree"] == 8)
    assert tally["exclude_flagged"] is False and await audit_log(server, code) == []
    async with httpx.AsyncClient(base_url=server.url) as http:
        export = (await http.get(f"/api/events/{code}/export",
                                 headers={"Authorization": f"Bearer {ADMIN_PASSWORD}"})).json()
    assert export["propositions"][0]["flagged"] == {"agree": 3, "disagree": 0, "neutral": 0}
    for client in (screen, member, moderator):
        await client.close()


async def test_report_and_exports_carry_figures_with_and_without_flagged(server):
    """The printable report shows, per proposition and round, the flagged part and the figures without it
    (and says when the projector left them out); the results JSON, CSV and workbook carry the flagged counts
    for moderators and organisers, never for the public (E29)."""
    import csv
    import io

    from openpyxl import load_workbook

    event, moderator, member = await flagged_hall(server)
    code = event["code"]
    await moderator.command("reveal")
    await moderator.command("exclude_flagged", on=True)
    key = {"Authorization": f"Bearer {event['moderator_key']}"}
    async with httpx.AsyncClient(base_url=server.url) as http:
        report = await http.get(f"/results/{code}", headers=key)
        assert report.status_code == 200
        assert "Waarvan van deelnemers die gescript lijken: Eens 3" in report.text
        assert "Zonder hen: Eens 4 · Oneens 1" in report.text and "5 stemmers zonder hen" in report.text
        assert 'data-testid="excluded-note"' in report.text
        inside = (await http.get(f"/api/events/{code}/results", headers=key)).json()
        r1 = inside["propositions"][0]["rounds"]["1"]
        assert r1["flagged"] == {"agree": 3, "disagree": 0, "neutral": 0}
        assert r1["unflagged"] == {"counts": {"agree": 4, "disagree": 1, "neutral": 0}, "voters": 5}
        assert inside["exclude_flagged"] is True
        public = (await http.get(f"/api/events/{code}/results")).json()
        assert "flagged" not in public["propositions"][0]["rounds"]["1"] and "exclude_flagged" not in public
        rows = list(csv.reader(io.StringIO((await http.get(f"/api/events/{code}/results.csv", headers=key)).text)))
        total = next(row for row in rows if row[3] == "total")
        assert rows[0][-4:] == ["flagged_agree", "flagged_disagree", "flagged_neutral", "voters_without_flagged"]
        assert total[-4:] == ["3", "0", "0", "5"] and {len(row) for row in rows} == {len(rows[0])}
        plain = list(csv.reader(io.StringIO((await http.get(f"/api/events/{code}/results.csv")).text)))
        assert next(row for row in plain if row[3] == "total")[-4:] == ["", "", "", ""]
        book = load_workbook(io.BytesIO((await http.get(f"/api/events/{code}/results.xlsx", headers=key)).content))
        sheet = book.worksheets[0]
        header = [cell.value for cell in sheet[1]]
        values = [cell.value for cell in sheet[2]]
        assert header[-4:] == ["Gemarkeerd: Eens", "Gemarkeerd: Oneens", "Gemarkeerd: Neutraal",
                               "Stemmers zonder gemarkeerden"]
        assert values[-4:] == [3, 0, 0, 5]
    for client in (member, moderator):
        await client.close()


async def test_the_control_desk_excludes_and_includes_flagged_identities(server):
    """`POST /api/events/{code}/control` with `exclude_flagged` / `include_flagged` does what the console's button
    does, answers the new state and is recorded as by the control desk (E27)."""
    event, moderator, member = await flagged_hall(server)
    code = event["code"]
    await moderator.command("reveal")
    key = {"Authorization": f"Bearer {event['moderator_key']}"}
    async with httpx.AsyncClient(base_url=server.url) as http:
        state = (await http.post(f"/api/events/{code}/control", headers=key, json={"action": "exclude_flagged"})).json()
        assert state["exclude_flagged"] is True
        await member.wait_latest("tally", lambda m: m.get("counts", {}).get("agree") == 4)
        again = await http.post(f"/api/events/{code}/control", headers=key, json={"action": "exclude_flagged"})
        assert again.status_code == 200 and again.json()["seq"] == state["seq"]  # nothing changed
        state = (await http.post(f"/api/events/{code}/control", headers=key, json={"action": "include_flagged"})).json()
        assert state["exclude_flagged"] is False
    await member.wait_latest("tally", lambda m: m.get("counts", {}).get("agree") == 7)
    assert [(e["on"], e["by"]) for e in await audit_log(server, code)] == [(True, "control desk"),
                                                                          (False, "control desk")]
    for client in (member, moderator):
        await client.close()
