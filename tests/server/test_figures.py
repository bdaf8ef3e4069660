"""Figures the hall can trust (issue 12): live on every proposition and round, attribution
that follows the voter's perspective while voting is open, counts equal to the stored votes."""

from __future__ import annotations

import asyncio

from ..support.clients import Moderator, Phone, Screen, create_event

LIVE = 1.0  # seconds: far above the ~100 ms normal path, well under the 2 s audit


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
