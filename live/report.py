"""The record of an event for the report, the results API, the CSV and the definition
export: every figure of every proposition and round, and the questions.

A use case like debate.py: reads through the stores, computes through `results`.
"""

from __future__ import annotations

from . import definition, questions, results
from .definition import EventDefinition
from .model import Event
from .store import Stores


class Report:
    def __init__(self, stores: Stores):
        self.stores = stores

    async def results(self, event: Event, raw: bool = False, sealed: bool = True) -> dict:
        """Every figure of the event (see docs/protocol.md, Results).

        Public (raw=False): small groups withheld, listed questions only. The organiser's
        raw export (raw=True): small groups included and marked, every question. `sealed`
        (for everyone but moderators and organisers): a proposition whose results are not
        revealed shows only its phase and voter counts.
        """
        state = await self.stores.state.load_state(event.code)
        votes = self.stores.votes
        propositions = []
        for proposition in event.propositions:
            rounds = {}
            for round_ in range(1, state.status(proposition.id).round + 1):
                tally = await votes.read_tally(event.code, proposition.id, round_)
                rounds[str(round_)] = results.round_figures(tally, event.perspectives, event.min_group,
                                                            withhold=not raw)
                if raw:  # the part of the counts that comes from flagged identities (docs/security.md)
                    rounds[str(round_)]["flagged"] = dict(tally.flagged)
            status = state.status(proposition.id)
            entry = {"id": proposition.id, "text": proposition.text, "phase": status.phase.value,
                     "revealed": status.revealed, "counts": rounds["1"]["counts"],
                     "voters": rounds["1"]["voters"], "rounds": rounds, "shift": None, "transitions": None}
            if raw:
                entry["flagged"] = rounds["1"]["flagged"]
            if proposition.earlier:  # edited after votes came in: the texts it had before
                entry["earlier"] = list(proposition.earlier)
            if sealed and not raw and not status.revealed:
                entry = results.sealed(entry)
            elif "2" in rounds:
                entry["shift"] = results.shift(rounds["1"], rounds["2"])
                entry["transitions"] = results.transitions(
                    await votes.stored_choices(event.code, proposition.id, 1),
                    await votes.stored_choices(event.code, proposition.id, 2))
                # Who moved and the verdict only when enough voted in both rounds (the guard).
                paired = sum(sum(row.values()) for row in entry["transitions"].values())
                enough = raw or paired >= event.min_group
                entry["shift"].update(test=results.mcnemar(entry["transitions"]) if enough else None,
                                      moved=results.who_moved(entry["transitions"]) if enough else None)
                if not enough:
                    entry["transitions"] = None
            propositions.append(entry)
        every = await self.stores.questions.every_question(event.code)
        shown = every if raw else [q for q in every if q.status in questions.LISTED]
        return {"code": event.code, "title": event.title, "perspectives": list(event.perspectives),
                "min_group": event.min_group, "propositions": propositions,
                "questions": [questions.item(q, moderator=raw) for q in questions.by_votes(shown)]}

    async def definition(self, event: Event) -> dict:
        """The event as a file to prepare at home; POST it to /api/events to import it."""
        premoderation, _ = await self.stores.questions.settings(event.code)
        logo = await self.stores.events.load_logo(event.code) if event.has_logo else None
        return definition.encode(EventDefinition(
            title=event.title, propositions=definition.definition_items(event.propositions),
            allow_neutral=event.allow_neutral,
            language=event.language, premoderation=premoderation, perspectives=list(event.perspectives),
            min_group=event.min_group, accent=event.accent, wifi_name=event.wifi_name,
            wifi_password=event.wifi_password,
            logo=definition.logo_data_url(*logo) if logo else None))
