"""Keep what matters, forget what must go (issue 15): after the retention period (the retention pass's
clock moved, not waited for) every event of a series is reduced to its archive: no participant-level key
is left, and every figure the results API gave before is given again. An archive exported from one
installation and imported on a fresh Redis gives the same figures; a file that is not an archive, of
another version, or changed after export is refused with a clear error, and nothing changes."""

from __future__ import annotations

import json

import httpx

from live.embedded_redis import EmbeddedRedis
from live.store.connect import open_clients

from ..faults.faults import until
from ..support.clients import Phone
from ..support.servers import Server, make_settings
from ..support.servers import ADMIN_PASSWORD
from .test_history import ORGANISER, make_series

DAY_MS = 86_400_000


async def figures(url: str, codes: list[str]) -> dict:
    """What the public and the organiser get from the results API, per code (the archive's note aside)."""
    found = {}
    async with httpx.AsyncClient(base_url=url) as http:
        for code in codes:
            for who, headers in (("public", {}), ("organiser", ORGANISER)):
                response = await http.get(f"/api/events/{code}/results", headers=headers)
                assert response.status_code == 200, response.text
                body = response.json()
                body.pop("archived", None)
                for question in body["questions"]:
                    question["name"] = None  # a name given with a question is not kept
                found[code, who] = body
    return found


async def event_keys(url: str, prefix: str, code: str) -> list[str]:
    clients = await open_clients(url)  # a cluster client on a cluster
    try:
        return sorted([key async for key in clients.redis.scan_iter(f"{prefix}:{{{code}}}:*")])
    finally:
        await clients.aclose()


async def test_reduction_after_the_retention_period(redis_url):
    """31 days later (the pass's clock moved) the three events are archives: only the archive key is left of
    each, the phone page is gone, and the results API gives every figure, history included, as before."""
    evening = await Server(make_settings(redis_url)).start()
    prefix = evening.settings.key_prefix
    try:
        a, b, c = await make_series(evening)
        phone = await Phone(evening.ws_url, c["code"]).connect()
        assert (await phone.ask("Wat kost het?", name="Jan"))["type"] == "ack"
        await phone.close()
        codes = [a["code"], b["code"], c["code"]]
        before = await figures(evening.url, codes)
        assert len(await event_keys(redis_url, prefix, c["code"])) > 10
        later = await Server(make_settings(redis_url, prefix=prefix, clock_offset_ms=31 * DAY_MS,
                                           archive_every_seconds=0.05)).start()
        try:
            async def reduced():
                return all([await event_keys(redis_url, prefix, code) == [f"{prefix}:{{{code}}}:archive"]
                            for code in codes])
            await until(reduced, 60, "the events were not reduced")  # a bound for a busy machine, not a wait
            assert await figures(later.url, codes) == before
            assert await figures(evening.url, codes) == before
            async with httpx.AsyncClient(base_url=later.url) as http:
                assert (await http.get(f"/e/{c['code']}")).status_code == 404
                report = await http.get(f"/results/{c['code']}", headers=ORGANISER)
                assert report.status_code == 200 and "teruggebracht tot zijn archief" in report.text
                assert 'data-trend="p1"' in report.text and f'href="/moderate/{c["code"]}"' not in report.text
                for name in ("results.csv", "results.xlsx", "questions.csv"):
                    assert (await http.get(f"/api/events/{c['code']}/{name}")).status_code == 200
                archived = (await http.get(f"/api/events/{c['code']}/results")).json()["archived"]
                assert "votes" in archived["deleted"] and "figures" in archived["kept"]
        finally:
            await later.stop()
    finally:
        await evening.stop()


async def test_export_import_on_a_fresh_redis_and_bad_files(redis_url, tmp_path):
    """The series' file imported on a fresh Redis gives identical figures (history included); a changed,
    wrong-version, foreign or repeated file is refused with its error and leaves the Redis as it was."""
    evening = await Server(make_settings(redis_url)).start()
    fresh_redis = EmbeddedRedis(tmp_path / "fresh")
    fresh = None
    try:
        a, b, c = await make_series(evening)
        codes = [a["code"], b["code"], c["code"]]
        before = await figures(evening.url, codes)
        async with httpx.AsyncClient(base_url=evening.url) as http:
            assert (await http.get("/api/series/werkplaatsen-jubileumdebat/archive")).status_code == 401
            exported = await http.get("/api/series/werkplaatsen-jubileumdebat/archive", headers=ORGANISER)
            assert exported.status_code == 200
        file = exported.json()
        assert file["schema"] == "live-archive" and file["version"] == 1 and file["kind"] == "series"
        assert [archive["event"]["code"] for archive in file["archives"]] == codes
        url = fresh_redis.start()
        fresh = await Server(make_settings(url)).start()
        prefix = fresh.settings.key_prefix
        async with httpx.AsyncClient(base_url=fresh.url) as http:
            async def keys_now():
                return await event_keys(url, prefix, "*")
            tampered = json.loads(exported.text)
            tampered["archives"][0]["propositions"][0]["counts"]["agree"] += 1
            wrong_version = {**file, "version": 2}
            for body, status, error in ((json.dumps(tampered).encode(), 400, "tampered"),
                                        (json.dumps(wrong_version).encode(), 400, "unknown_version"),
                                        (b'{"title": "Een debat", "propositions": ["x"]}', 400, "not_an_archive"),
                                        (b"not json", 400, "not_json")):
                response = await http.post("/api/archives", headers=ORGANISER, content=body)
                assert (response.status_code, response.json()["error"]) == (status, error), response.text
                assert response.json()["message"]
                assert await keys_now() == []
            assert (await http.post("/api/archives", content=exported.content)).status_code == 401
            imported = await http.post("/api/archives", headers=ORGANISER, content=exported.content)
            assert imported.status_code == 201 and imported.json()["imported"] == codes
            again = await http.post("/api/archives", headers=ORGANISER, content=exported.content)
            assert (again.status_code, again.json()["error"]) == (409, "code_taken")
        assert await figures(fresh.url, codes) == before
    finally:
        if fresh is not None:
            await fresh.stop()
        fresh_redis.stop()
        await evening.stop()


def _csrf(page: httpx.Response) -> str:
    return page.text.split('name="csrf" value="')[1].split('"')[0]


async def test_organiser_archives_exports_imports_and_deletes_at_events(server):
    """At /events the organiser archives a debate at once (its keys but the archive gone, listed under
    Archives), exports it, deletes it, imports the file again (a changed file: a clear error, nothing
    stored), and deletes it for good; the DELETE route and archive now answer typed errors."""
    a, b, c = await make_series(server)
    prefix, code = server.settings.key_prefix, a["code"]
    before = await figures(server.url, [code])
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await http.get("/events")
        assert (await http.post("/events", data={"password": ADMIN_PASSWORD, "csrf": _csrf(page)})).status_code == 303
        page = await http.get("/events")
        assert f'action="/events/{code}/archive"' in page.text
        assert (await http.post(f"/events/{code}/archive", data={"csrf": "wrong"})).status_code == 403
        assert (await http.post(f"/events/{code}/archive", data={"csrf": _csrf(page)})).status_code == 303
        assert await event_keys(server.settings.redis_url, prefix, code) == [f"{prefix}:{{{code}}}:archive"]
        page = await http.get("/events")
        assert f'data-archive="{code}"' in page.text and f'action="/events/{code}/archive"' not in page.text
        assert await figures(server.url, [code]) == before
        exported = await http.get(f"/api/events/{code}/archive")  # the session is enough
        assert exported.status_code == 200 and exported.json()["archives"][0]["event"]["code"] == code
        assert (await http.post(f"/events/{code}/delete", data={"csrf": _csrf(page)})).status_code == 303
        assert await event_keys(server.settings.redis_url, prefix, code) == []
        assert (await http.get(f"/api/events/{code}/results")).status_code == 404

        changed = exported.content.replace(b'"title": "Jubileum 2018"', b'"title": "Jubileum 2019"')
        page = await http.get("/events")
        refused = await http.post("/events/import", data={"csrf": _csrf(page)},
                                  files={"file": ("archive.json", changed, "application/json")})
        assert refused.status_code == 400 and "controlesom klopt niet" in refused.text
        assert await event_keys(server.settings.redis_url, prefix, code) == []
        imported = await http.post("/events/import", data={"csrf": _csrf(page)},
                                   files={"file": ("archive.json", exported.content, "application/json")})
        assert imported.status_code == 303
        assert await figures(server.url, [code]) == before

        assert (await http.post(f"/api/events/{code}/archive", headers=ORGANISER)).status_code == 404  # archived
        archived = await http.post(f"/api/events/{b['code']}/archive", headers=ORGANISER)
        assert archived.status_code == 200 and archived.json()["code"] == b["code"]
        assert (await http.delete(f"/api/events/{code}")).status_code == 204  # the session again
        assert (await http.delete(f"/api/events/{code}", headers=ORGANISER)).status_code == 404
    async with httpx.AsyncClient(base_url=server.url) as anonymous:
        assert (await anonymous.delete(f"/api/events/{b['code']}")).status_code == 401
        assert (await anonymous.get(f"/api/events/{b['code']}/archive")).status_code == 401
