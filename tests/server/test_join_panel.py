"""The projector's join panel (issue 16): the moderator's join_panel command is stored in the debate state,
reaches every screen (also one that joins later) and is validated strictly."""

from __future__ import annotations

from ..support.clients import Moderator, Screen, create_event


async def test_join_panel_size_is_part_of_the_state_and_validated(server):
    """auto by default; corner and full are stored and sent to screens; a wrong size or a projector sending the
    command is refused with a typed error and changes nothing."""
    event = await create_event(server.url)
    code = event["code"]
    moderator = await Moderator(server.ws_url, code, event["moderator_key"]).connect()
    screen = await Screen(server.ws_url, code).connect()
    try:
        first = await screen.wait_for(lambda m: m["type"] == "state")
        assert first["join_panel"] == "auto"
        await moderator.command("join_panel", size="corner")
        await screen.wait_latest("state", lambda m: m["join_panel"] == "corner")
        for bad in ({"size": "huge"}, {"size": None}, {}, {"size": ["full"]}):
            assert (await moderator.request({"type": "join_panel", **bad}))["code"] == "bad_message"
        assert (await screen.request({"type": "join_panel", "size": "full"}))["code"] == "not_allowed"
        late = await Screen(server.ws_url, code).connect()
        assert (await late.wait_for(lambda m: m["type"] == "state"))["join_panel"] == "corner"
        await moderator.command("join_panel", size="full")
        await late.wait_latest("state", lambda m: m["join_panel"] == "full")
        await late.close()
    finally:
        await screen.close()
        await moderator.close()
