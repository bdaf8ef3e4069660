"""Use cases: create an event, vote, run the debate, read results. Write, then publish.

Knows the model, the store and the hub; knows nothing of HTTP or WebSockets.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
from dataclasses import dataclass

import time

from . import model, protocol, questions, results
from .auth import Signer, same_secret
from .hub import Hub
from .model import DebateState, Event, RuleError, Tally
from .question_store import QuestionStore
from .store import Store

log = logging.getLogger(__name__)

UNKNOWN_CODES_PER_MINUTE = 30  # wrong codes one address may try before it is refused for the minute
IDENTITIES_PER_ADDRESS_PER_MINUTE = 120  # more new identities than this from one address is a burst
IDENTITY_BURST_DELAY = 0.5  # seconds each identity past the burst threshold waits

DEMO_TITLE = "Jubileumdebat Werkplaatsen Sociaal Domein: zitten we nog op de juiste koers?"
DEMO_PROPOSITIONS = [
    "Het perspectief van burgers is voldoende in beeld bij de ontwikkeling van gemeentelijk beleid.",
    "Gemeenten, burgers en professionals werken in het sociaal domein als gelijkwaardige partners samen.",
    "Er zit te veel afstand tussen beleid en praktijk.",
    "De sociale basis kan niet zonder professionals.",
    "Gemeenten moeten praktijkonderzoek vaker als kritische vriend gebruiken.",
    "We zitten in het sociaal domein nog op de juiste koers.",
]
DEMO_PERSPECTIVES = ["Burger / cliënt", "Professional", "Gemeente", "Anders"]


@dataclass(frozen=True)
class Snapshot:
    state: DebateState
    tally: Tally | None
    my_vote: str | None = None
    my_perspective: str | None = None


class Debate:
    def __init__(self, store: Store, hub: Hub, settings):
        self.store = store
        self.hub = hub
        self.questions: QuestionStore = hub.questions
        hub.on_deadline = self.close_if_expired
        self.settings = settings
        self._signer: Signer | None = None
        self._admin_password: str | None = settings.admin_password or None

    # --- secrets, loaded from Redis once (Redis may be down at start-up) -------------

    async def signer(self) -> Signer:
        if self._signer is None:
            secret = self.settings.secret_key or await self.store.ensure_value(
                self.store.keys.secret(), lambda: secrets.token_urlsafe(32))
            self._signer = Signer(secret)
        return self._signer

    async def admin_password(self) -> str:
        if self._admin_password is None:
            self._admin_password = await self.store.ensure_value(
                self.store.keys.admin_password(), lambda: secrets.token_urlsafe(12))
        return self._admin_password

    async def is_admin(self, password: str | None) -> bool:
        return same_secret(password, await self.admin_password())

    # --- events -----------------------------------------------------------------------

    async def create_event(self, title: str, propositions: list[str], allow_neutral: bool, language: str,
                           premoderation: bool = True, perspectives: list[str] = (),
                           min_group: int = model.DEFAULT_MIN_GROUP, accent: str | None = None,
                           logo: bytes | None = None) -> tuple[Event, str]:
        """Validate and store a new event. Raises ValidationError; returns (event, moderator key)."""
        logo_file = (model.logo_type(logo), logo) if logo else None

        def build(code: str) -> Event:
            return model.new_event(code, title, propositions, allow_neutral, language, perspectives, min_group,
                                   accent, has_logo=logo_file is not None)

        build("AAAAAA")  # validate before writing anything
        event, key = await self.store.create_event(build, logo=logo_file)
        if not premoderation:
            await self.questions.configure(event.code, premoderation=False)
        return event, key

    async def ensure_demo(self) -> tuple[Event, str]:
        """The demo debate, created on first start and kept afterwards."""
        code = await self.store.demo_code()
        if code:
            event = await self.store.load_event(code)
            found = await self.store.event_secrets(code)
            if event is not None and found is not None:
                return event, found[0]
        event, moderator_key = await self.create_event(DEMO_TITLE, DEMO_PROPOSITIONS, True, "nl",
                                                       perspectives=DEMO_PERSPECTIVES)
        await self.store.set_demo_code(event.code)
        return event, moderator_key

    async def event(self, code: str | None) -> Event | None:
        if code is None:
            return None
        return await self.store.load_event(code)

    async def find_event(self, raw_code: str, address: str) -> Event | None:
        """The event a visitor asks for by code. An address that keeps trying codes that do
        not exist (enumeration) is refused for the rest of the minute: RuleError("rate_limited")."""
        key = self.store.keys.limit("unknown_code", address)
        if await self.store.hits(key) >= UNKNOWN_CODES_PER_MINUTE:
            raise RuleError("rate_limited")
        event = await self.event(model.normalize_code(raw_code))
        if event is None and await self.store.hit(key, 60_000) == UNKNOWN_CODES_PER_MINUTE:
            log.warning("address %s tried %d unknown event codes within a minute; refusing it for now",
                        address, UNKNOWN_CODES_PER_MINUTE)
        return event

    async def new_participant(self, event: Event, address: str) -> tuple[str, str]:
        """A fresh anonymous identity. Identities cost nothing, so a script can mint one per
        vote: past a burst from one address, each new one is slowed down and the moderator
        is shown the burst. A hall behind one NAT is slowed a little, never locked out."""
        minted = await self.store.hit(self.store.keys.minted(event.code, address), 60_000)
        if minted > IDENTITIES_PER_ADDRESS_PER_MINUTE:
            await self.store.raise_alert(event.code, "identity_burst", minted, 300_000)
            if minted % 50 == 1:
                log.warning("address %s minted %d identities for %s within a minute", address, minted, event.code)
            await asyncio.sleep(IDENTITY_BURST_DELAY)
        return (await self.signer()).new_participant(event.code)

    # --- moderators ---------------------------------------------------------------------

    async def moderator_key_valid(self, code: str, key: str | None) -> bool:
        found = await self.store.event_secrets(code)
        return found is not None and same_secret(key, found[0])

    async def moderator_session(self, code: str) -> str:
        found = await self.store.event_secrets(code)
        if found is None:
            raise RuleError("unknown_event")
        return (await self.signer()).moderator_session(code, found[1])

    async def moderator_session_valid(self, code: str, cookie: str | None) -> bool:
        version = (await self.signer()).moderator_version(code, cookie)
        if version is None:
            return False
        found = await self.store.event_secrets(code)
        return found is not None and found[1] == version

    async def log_out_moderators(self, code: str) -> None:
        """Void every moderator session of the event and close their open sockets."""
        await self.store.revoke_sessions(code)
        await self.hub.revoke_moderators(code)

    async def command(self, event: Event, name: str, argument: str | None = None,
                      round_: int = 1) -> DebateState | None:
        """Apply a moderator command atomically and notify every worker. Raises RuleError."""
        return await self._transition(event, lambda state: model.apply(event, state, name, argument, round_))

    async def countdown(self, event: Event, seconds: int | None, close: bool) -> DebateState | None:
        now = int(time.time() * 1000)
        return await self._transition(event, lambda state: model.countdown(state, seconds, close, now))

    async def close_if_expired(self, code: str) -> None:
        """Called by any worker when a countdown runs out; only the first one changes anything."""
        event = await self.event(code)
        if event is None:
            return
        now = int(time.time() * 1000)
        await self._transition(
            event, lambda state: model.apply(event, state, "close") if model.expired(state, now) else None)

    async def _transition(self, event: Event, change) -> DebateState | None:
        def decide(state: DebateState):
            new = change(state)
            if new is None:
                return None
            return new, self.hub.state_notice(event.code, protocol.state_view(event, new))
        return await self.store.transition(event.code, decide)

    # --- participants -----------------------------------------------------------------

    async def cast_vote(self, event: Event, participant: str, proposition: str, choice: str) -> int:
        """Store a vote (last vote wins); returns its round. Raises RuleError, StoreUnavailable."""
        if event.proposition(proposition) is None:
            raise RuleError("unknown_proposition")
        if choice not in event.choices:
            raise RuleError("bad_choice")
        outcome = await self.store.cast_vote(event.code, proposition, participant, choice)
        if outcome.error is not None:
            raise RuleError(outcome.error)
        self.hub.note_vote(event.code, proposition, outcome.round, outcome.version)
        return outcome.round

    async def set_hand_count(self, event: Event, proposition: str, round_: int, counts: dict[str, int],
                             perspective: str | None) -> None:
        """Counts from a show of hands (replacing earlier ones for the same round and group)."""
        if event.proposition(proposition) is None:
            raise RuleError("unknown_proposition")
        index = event.perspective_index(perspective)
        if perspective is not None and index is None:
            raise RuleError("unknown_perspective")
        if not event.allow_neutral and counts.get("neutral"):
            raise RuleError("bad_choice")
        version = await self.store.set_hand_count(event.code, proposition, round_, counts, index)
        self.hub.note_vote(event.code, proposition, round_, version)

    async def set_perspective(self, event: Event, participant: str, perspective: str | None) -> None:
        """The perspective a participant speaks from (None: not said). Never shown individually."""
        index = event.perspective_index(perspective)
        if perspective is not None and index is None:
            raise RuleError("unknown_perspective")
        await self.store.set_perspective(event.code, participant, index)

    async def snapshot(self, event: Event, participant: str | None = None) -> Snapshot:
        state = await self.store.load_state(event.code)
        tally = my_vote = my_perspective = None
        if state.current is not None:
            round_ = state.status(state.current).round
            tally = await self.store.read_tally(event.code, state.current, round_)
            if participant is not None:
                stored = await self.store.read_vote(event.code, state.current, round_, participant)
                my_vote = stored.partition(":")[0] if stored else None
        if participant is not None:
            my_perspective = await self.perspective_name(event, participant)
        return Snapshot(state, tally, my_vote, my_perspective)

    async def perspective_name(self, event: Event, participant: str) -> str | None:
        if not event.perspectives:
            return None
        index = await self.store.perspective_of(event.code, participant)
        if index is not None and 1 <= index <= len(event.perspectives):
            return event.perspectives[index - 1]
        return None

    # --- questions --------------------------------------------------------------------

    def _expires_at(self) -> int:
        return int(time.time() * 1000) + self.store.retention_ms

    async def ask(self, event: Event, participant: str, text: str, name: str | None,
                  to: str | None = None) -> tuple[str, str]:
        """Store a question from the floor. Returns (question id, status). Raises RuleError."""
        text, name = questions.clean_question(text), questions.clean_name(name)
        if to is not None and event.perspective_index(to) is None:
            raise RuleError("unknown_perspective")
        asker = await self.perspective_name(event, participant)
        result = await self.questions.ask(event.code, participant, text, name, questions.ASKS_PER_MINUTE, 60_000,
                                          self._expires_at(), perspective=asker, to=to)
        if isinstance(result, str):
            raise RuleError(result)
        question, status, version = result
        await self.hub.announce_questions(event.code, version)
        return question, status

    async def upvote(self, event: Event, participant: str, question: str, on: bool) -> int:
        result = await self.questions.upvote(event.code, question, participant, on, self._expires_at())
        if isinstance(result, str):
            raise RuleError(result)
        votes, version = result
        await self.hub.announce_questions(event.code, version)
        return votes

    async def moderate_question(self, event: Event, question: str, action: str) -> str:
        result = await self.questions.moderate(event.code, question, action)
        if isinstance(result, str):
            raise RuleError(result)
        status, version = result
        await self.hub.announce_questions(event.code, version)
        return status

    async def configure_questions(self, event: Event, premoderation: bool | None = None,
                                  wall: str | None = None) -> None:
        version = await self.questions.configure(event.code, premoderation, wall)
        await self.hub.announce_questions(event.code, version)

    async def questions_snapshot(self, event: Event, role: str, participant: str | None = None) -> str:
        """The question list one socket may see right now (with the audience's own upvotes)."""
        lists = await self.questions.lists(event.code, moderator=role == "moderator",
                                           own_of=[participant] if participant else [])
        if role == "moderator":
            return protocol.questions(lists.version, [questions.item(q, moderator=True) for q in lists.everything],
                                      lists.premoderation, lists.wall)
        items = [questions.item(q) for q in questions.wall_order(lists.listed, lists.wall)]
        if role == "projector":
            return protocol.questions(lists.version, items, lists.premoderation, lists.wall)
        items += [questions.item(q) for q in lists.own_waiting.get(participant, [])]
        upvoted = await self.questions.upvoted(event.code, participant, [i["id"] for i in items])
        return protocol.questions(lists.version, items, lists.premoderation, lists.wall, upvoted)

    # --- results ----------------------------------------------------------------------

    async def results(self, event: Event, raw: bool = False) -> dict:
        """Every figure of the event (see docs/protocol.md, Results).

        Public (raw=False): small groups withheld, listed questions only. The organiser's
        raw export (raw=True): small groups included and marked, every question.
        """
        state = await self.store.load_state(event.code)
        propositions = []
        for proposition in event.propositions:
            rounds = {}
            for round_ in range(1, state.status(proposition.id).round + 1):
                tally = await self.store.read_tally(event.code, proposition.id, round_)
                rounds[str(round_)] = results.round_figures(tally.raw, event.perspectives, event.min_group,
                                                            withhold=not raw)
            entry = {"id": proposition.id, "text": proposition.text, "counts": rounds["1"]["counts"],
                     "voters": rounds["1"]["voters"], "rounds": rounds, "shift": None, "transitions": None}
            if "2" in rounds:
                entry["shift"] = results.shift(rounds["1"], rounds["2"])
                entry["transitions"] = results.transitions(
                    await self.store.stored_votes(event.code, proposition.id, 1),
                    await self.store.stored_votes(event.code, proposition.id, 2))
            propositions.append(entry)
        every = await self.questions.every_question(event.code)
        shown = every if raw else [q for q in every if q.status in questions.LISTED]
        return {"code": event.code, "title": event.title, "perspectives": list(event.perspectives),
                "min_group": event.min_group, "propositions": propositions,
                "questions": [questions.item(q, moderator=raw) for q in questions.by_votes(shown)]}

    async def definition(self, event: Event) -> dict:
        """The event as a file to prepare at home; POST it to /api/events to import it."""
        premoderation, _ = await self.questions.settings(event.code)
        definition = {"title": event.title, "propositions": [p.text for p in event.propositions],
                      "perspectives": list(event.perspectives), "min_group": event.min_group,
                      "allow_neutral": event.allow_neutral, "language": event.language,
                      "premoderation": premoderation}
        if event.accent:
            definition["accent"] = event.accent
        if event.has_logo:
            logo = await self.store.load_logo(event.code)
            if logo:
                definition["logo"] = f"data:{logo[0]};base64,{base64.b64encode(logo[1]).decode()}"
        return definition

    async def logo(self, event: Event) -> tuple[str, bytes] | None:
        return await self.store.load_logo(event.code) if event.has_logo else None

    async def list_events(self) -> list[dict]:
        return await self.store.list_events()

    async def delete_event(self, event: Event) -> None:
        await self.store.delete_event(event)

    # --- organiser sessions -------------------------------------------------------------

    async def admin_session(self) -> str:
        return (await self.signer()).admin_session(await self.store.admin_session_version())

    async def admin_session_valid(self, cookie: str | None) -> bool:
        version = (await self.signer()).admin_version(cookie)
        return version is not None and version == await self.store.admin_session_version()

    async def log_out_admins(self) -> None:
        await self.store.admin_session_version(bump=True)
