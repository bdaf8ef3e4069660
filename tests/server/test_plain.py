"""A proposition's plain-language line (issue 16, item 3): given in the definition, the /new form or the
editor's commands, sent with the proposition to every role, kept by the export, validated strictly."""

from __future__ import annotations

import httpx

from ..support.clients import Moderator, Phone, Screen
from ..support.servers import ADMIN_PASSWORD

ADMIN = {"Authorization": f"Bearer {ADMIN_PASSWORD}"}
PLAIN = "De gemeente moet beter luisteren naar mensen die hulp krijgen."


async def test_plain_line_from_definition_to_phones_export_and_editor(server):
    """An object proposition {"text", "plain"} reaches the phone's and projector's state, the export gives it
    back in the same shape (and imports again), the editor sets, keeps and clears it; a too long line or a
    wrong type is refused with a typed error and changes nothing."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        body = {"title": "Eenvoudig", "propositions": [
            {"text": "Gemeenten moeten de ervaringskennis van cliënten structureel benutten.", "plain": PLAIN},
            "Stelling twee"]}
        created = await http.post("/api/events", headers=ADMIN, json=body)
        assert created.status_code == 201, created.text
        code, key = created.json()["code"], created.json()["moderator_key"]
        for bad, error in (({"text": "X", "plain": "x" * 501}, "plain_too_long"),
                           ({"text": "X", "plain": 7}, "bad_request"), ({"text": "X", "extra": 1}, "bad_request")):
            refused = await http.post("/api/events", headers=ADMIN, json={"title": "T", "propositions": [bad]})
            assert (refused.status_code, refused.json()["error"]) == (400, error)

        moderator = await Moderator(server.ws_url, code, key).connect()
        phone = await Phone(server.ws_url, code).connect()
        screen = await Screen(server.ws_url, code).connect()
        try:
            await moderator.command("goto", proposition="p1")
            for client in (phone, screen):
                state = await client.wait_latest("state", lambda m: m["proposition"] is not None)
                assert state["proposition"]["plain"] == PLAIN
            await moderator.command("goto", proposition="p2")
            assert (await phone.wait_latest("state", lambda m: m["proposition"]["id"] == "p2"))["proposition"][
                "plain"] is None

            exported = (await http.get(f"/api/events/{code}/definition", headers={"Authorization": f"Bearer {key}"})).json()
            assert exported["propositions"] == [body["propositions"][0], "Stelling twee"]
            again = await http.post("/api/events", headers=ADMIN, json=exported)
            assert again.status_code == 201

            # the editor: set it on p2, keep it when only the text changes, clear it with null
            await moderator.command("edit_proposition", proposition="p2", text="Stelling twee", plain="  Zeg het simpel. ")
            await phone.wait_latest("state", lambda m: m["proposition"]["plain"] == "Zeg het simpel.")
            await moderator.command("edit_proposition", proposition="p2", text="Stelling 2")
            kept = await phone.wait_latest("state", lambda m: m["proposition"]["text"] == "Stelling 2")
            assert kept["proposition"]["plain"] == "Zeg het simpel."
            listed = await moderator.wait_latest("propositions", lambda m: m["propositions"][1]["text"] == "Stelling 2")
            assert listed["propositions"][1]["plain"] == "Zeg het simpel."
            await moderator.command("edit_proposition", proposition="p2", text="Stelling 2", plain=None)
            await phone.wait_latest("state", lambda m: m["proposition"]["plain"] is None)
            added = await moderator.command("add_proposition", text="Nieuw", plain="Ook nieuw")
            assert (await moderator.wait_latest("propositions", lambda m: len(m["propositions"]) == 3))[
                "propositions"][2]["plain"] == "Ook nieuw"
            assert added["proposition"] == "p3"
            too_long = await moderator.request({"type": "edit_proposition", "proposition": "p2", "text": "Stelling 2",
                                                "plain": "x" * 501})
            assert too_long["code"] == "plain_text"
            wrong = await moderator.request({"type": "add_proposition", "text": "X", "plain": ["x"]})
            assert wrong["code"] == "bad_message"
            exported = (await http.get(f"/api/events/{code}/definition", headers={"Authorization": f"Bearer {key}"})).json()
            assert exported["propositions"][1:] == ["Stelling 2", {"text": "Nieuw", "plain": "Ook nieuw"}]
        finally:
            for client in (moderator, phone, screen):
                await client.close()


async def test_new_form_takes_plain_lines_after_a_proposition(server):
    """On /new a line starting with ">" is the plain-language line of the proposition above it."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await http.get("/new")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        form = {"csrf": csrf, "admin_password": ADMIN_PASSWORD, "title": "Formulier", "language": "nl",
                "propositions": "Stelling een\n> Simpel gezegd.\n\nStelling twee\n", "min_group": "5"}
        created = await http.post("/new", data=form, headers={"Origin": server.url})
        assert created.status_code == 200, created.text
        code = created.text.split("/e/")[1][:6]
        async with httpx.AsyncClient(base_url=server.url) as api:
            events = (await api.get(f"/api/events/{code}/export", headers=ADMIN)).json()
        assert [p["text"] for p in events["propositions"]] == ["Stelling een", "Stelling twee"]
        exported = (await http.get(f"/api/events/{code}/definition", headers=ADMIN)).json()
        assert exported["propositions"] == [{"text": "Stelling een", "plain": "Simpel gezegd."}, "Stelling twee"]
