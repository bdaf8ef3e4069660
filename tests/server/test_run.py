"""The `live` command: embedded Redis, the demo debate, and a restart that loses nothing."""

from __future__ import annotations

import re

import httpx

from bench.servers import ADMIN_PASSWORD, LiveProcess

from ..support.clients import Moderator, Phone, create_event

ORGANISER = {"Authorization": f"Bearer {ADMIN_PASSWORD}"}  # unrevealed counts are for organisers (issue 12)


async def test_restart_keeps_events_and_votes(tmp_path):
    """Stop the app and its embedded Redis, start them again: the event and its votes are still there."""
    app = await LiveProcess(tmp_path / "data").start()
    try:
        output = app.output_text()
        assert re.search(r"audience\s+http://\S+/e/[A-Z0-9]{6}", output)
        assert re.search(r"moderator\s+http://\S+/moderate/[A-Z0-9]{6}\?key=\S+", output)
        assert re.search(r"projector\s+http://\S+/projector/[A-Z0-9]{6}", output)
        demo_code = re.search(r"\(code ([A-Z0-9]{6})\)", output).group(1)

        event = await create_event(app.url)
        code = event["code"]
        moderator = await Moderator(app.ws_url, code, event["moderator_key"]).connect()
        await moderator.command("goto", proposition="p1")
        await moderator.command("open")
        phones = [await Phone(app.ws_url, code).connect() for _ in range(5)]
        for phone in phones:
            assert (await phone.vote("p1", "agree"))["type"] == "ack"
        for client in (moderator, *phones):
            await client.close()
    finally:
        assert await app.stop() == 0
    assert not (tmp_path / "data" / "redis.sock").exists(), "the embedded Redis was left running"

    again = await LiveProcess(tmp_path / "data").start()
    try:
        async with httpx.AsyncClient(base_url=again.url, headers=ORGANISER) as http:
            results = (await http.get(f"/api/events/{code}/results")).json()
        assert results["propositions"][0]["counts"] == {"agree": 5, "disagree": 0, "neutral": 0}
        # The demo debate is created once, not again on every start.
        assert f"(code {demo_code})" in again.output_text().split("Finished server process")[-1]
        phone = await Phone(again.ws_url, code, token=phones[0].token).connect()
        state = await phone.wait_for(lambda m: m["type"] == "state")
        assert state["phase"] == "open" and state["my_vote"] == "agree"
        await phone.close()
    finally:
        assert await again.stop() == 0
