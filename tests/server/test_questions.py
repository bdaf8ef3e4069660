"""Questions from the floor: ask, upvote, moderate, show; across workers."""

from __future__ import annotations

import asyncio

import pytest

from ..support.clients import Moderator, Phone, Screen, create_event, question_ids
from ..support.servers import Server, make_settings


@pytest.fixture
async def two_servers(redis_url):
    settings = make_settings(redis_url)
    a, b = await Server(settings).start(), await Server(settings).start()
    yield a, b
    await a.stop()
    await b.stop()


async def test_100_phones_upvote_one_question_across_two_servers(two_servers):
    """100 phones upvote the same question at once on two servers: exactly 100; taking one back moves exactly one."""
    a, b = two_servers
    event = await create_event(a.url, premoderation=False)
    code = event["code"]
    asker = await Phone(a.ws_url, code).connect()
    asked = await asker.ask("Wat doet de gemeente tegen eenzaamheid?")
    question = asked["question"]
    assert asked["status"] == "visible"
    phones = await asyncio.gather(*(Phone((a if i % 2 else b).ws_url, code).connect() for i in range(100)))
    await asyncio.gather(*(phone.wait_latest("questions", lambda m: question in question_ids(m)) for phone in phones))

    async def upvote_twice(phone):  # a retry must not count twice
        first, again = await asyncio.gather(phone.upvote(question), phone.upvote(question))
        assert first["type"] == again["type"] == "ack"

    await asyncio.gather(*(upvote_twice(phone) for phone in phones))
    screen = await Screen(b.ws_url, code).connect()
    await screen.wait_latest("questions", lambda m: question_ids(m)[question]["votes"] == 100)
    taken_back = await phones[0].upvote(question, on=False)
    assert taken_back["votes"] == 99
    await screen.wait_latest("questions", lambda m: question_ids(m)[question]["votes"] == 99)
    again = await phones[0].upvote(question, on=False)
    assert again["votes"] == 99
    for client in (asker, screen, *phones):
        await client.close()


async def test_moderation_flow_across_two_servers(two_servers):
    """ask → waiting (asker and moderator only) → approve → phones and projector → pin → answered."""
    a, b = two_servers
    event = await create_event(a.url)
    code = event["code"]
    moderator = await Moderator(a.ws_url, code, event["moderator_key"]).connect()
    screen = await Screen(b.ws_url, code).connect()
    asker = await Phone(b.ws_url, code).connect()
    other = await Phone(a.ws_url, code).connect()

    asked = await asker.ask("  Hoe  verdelen we de rollen?  ", name="Anna")
    question = asked["question"]
    assert asked["status"] == "waiting"
    queued = await moderator.wait_latest("questions", lambda m: question in question_ids(m))
    assert question_ids(queued)[question] == {"id": question, "text": "Hoe verdelen we de rollen?", "name": "Anna",
                                              "votes": 0, "status": "waiting", "pinned": False, "to": None,
                                              "perspective": None}
    mine = await asker.wait_latest("questions", lambda m: question in question_ids(m))
    assert question_ids(mine)[question]["status"] == "waiting"
    assert question not in question_ids(other.latest("questions"))
    assert question not in question_ids(screen.latest("questions"))
    assert (await other.upvote(question))["code"] == "unknown_question"  # not visible yet

    await moderator.command("question", question=question, action="approve")
    for client in (other, screen, asker):
        shown = await client.wait_latest("questions", lambda m: question in question_ids(m))
        assert question_ids(shown)[question]["status"] == "visible"

    await moderator.command("screen", show="questions")
    await screen.wait_latest("state", lambda m: m["screen"] == "questions")
    await moderator.command("question", question=question, action="pin")
    await screen.wait_latest("questions", lambda m: question_ids(m).get(question, {}).get("pinned") is True)
    await moderator.command("question", question=question, action="answer")
    answered = await other.wait_latest("questions", lambda m: question_ids(m)[question]["status"] == "answered")
    assert question_ids(answered)[question]["pinned"] is True
    await moderator.command("question", question=question, action="unpin")
    await screen.wait_latest("questions", lambda m: question_ids(m)[question]["pinned"] is False)

    rejected = (await asker.ask("Een tweede vraag"))["question"]
    await moderator.command("question", question=rejected, action="reject")
    await moderator.wait_latest("questions", lambda m: question_ids(m).get(rejected, {}).get("status") == "rejected")
    await asker.wait_latest("questions", lambda m: rejected not in question_ids(m))
    assert (await moderator.request({"type": "question", "question": "q999", "action": "approve"}))["code"] == \
        "unknown_question"
    for client in (moderator, screen, asker, other):
        await client.close()


@pytest.mark.parametrize("text, outcome", [
    ("x" * 280, "ack"), ("x" * 281, "too_long"), ("", "empty"), ("   \t\n ", "empty"),
    ("e\u0301" * 280, "ack"),  # 560 code points, 280 after NFC
    ("\x00\x07", "empty"), ("a\x00b\u202ec", "ack"), ("x" * 1999, "too_long"),
])
async def test_question_boundaries(server, text, outcome):
    """Length is counted after NFC normalisation and control-character removal; limits are exact."""
    event = await create_event(server.url, premoderation=False)
    phone = await Phone(server.ws_url, event["code"]).connect()
    reply = await phone.ask(text)
    assert reply["type"] == outcome or reply.get("code") == outcome, reply
    await phone.close()


async def test_lone_surrogate_and_huge_questions_get_clear_errors(server):
    """A lone surrogate is invalid_text and a 10 KB question too_big, on a socket that stays usable;
    a 100 KB frame is over the server's limit and closes that socket with 1009."""
    event = await create_event(server.url, premoderation=False)
    phone = await Phone(server.ws_url, event["code"]).connect()
    await phone.ws.send('{"type": "ask", "text": "a\\ud800b", "id": "s"}')
    assert (await phone.wait_for(lambda m: m["type"] == "error"))["code"] == "invalid_text"
    start = len(phone.messages)
    await phone.ws.send('{"type": "ask", "text": "' + "x" * 10_000 + '"}')
    assert (await phone.wait_for(lambda m: m["type"] == "error", start=start))["code"] == "too_big"
    assert (await phone.ask("Nog een vraag?"))["type"] == "ack"
    await phone.ws.send('{"type": "ask", "text": "' + "x" * 100_000 + '"}')
    await phone._reader
    assert phone.ws.close_code == 1009
    again = await Phone(server.ws_url, event["code"], token=phone.token).connect()
    assert again.token == phone.token
    await again.close()


async def test_asking_is_rate_limited_per_participant(server):
    """A participant can ask a few questions a minute; the next one gets rate_limited with a message."""
    event = await create_event(server.url)
    phone = await Phone(server.ws_url, event["code"]).connect()
    for n in range(3):
        assert (await phone.ask(f"Vraag {n}"))["type"] == "ack"
    limited = await phone.ask("Vraag 4")
    assert limited["code"] == "rate_limited" and limited["message"]
    other = await Phone(server.ws_url, event["code"]).connect()
    assert (await other.ask("Mijn vraag"))["type"] == "ack"
    for client in (phone, other):
        await client.close()
