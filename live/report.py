"""The record of an event for the report, the results API, the CSV and the definition
export: every figure of every proposition and round, the questions, and per proposition
its history across the events of its series.

A use case like debate.py: reads through the stores, computes through `results` and
`history`. An event that has an archive is read from it (the archive wins when both are
there: a reduction that stopped halfway).
"""

from __future__ import annotations

from . import archive, definition, history, questions, results
from . import propositions as proposition_list
from .clock import now_ms
from .definition import EventDefinition
from .model import Event
from .store import Stores


class Report:
    def __init__(self, stores: Stores):
        self.stores = stores

    async def find(self, code: str) -> tuple[Event, bool] | None:
        """An event or an archive by its code: (event, archived), or None."""
        found = await self.stores.archives.load(code)
        if found is not None:
            return archive.to_event(found), True
        event = await self.stores.events.load_event(code)
        return (event, False) if event is not None else None

    async def results(self, event: Event, raw: bool = False, sealed: bool = True, trend: bool = True,
                      flagged: bool = False) -> dict:
        """Every figure of the event (see docs/protocol.md, Results).

        Public (raw=False): small groups withheld, listed questions only. The organiser's
        raw export (raw=True): small groups included and marked, every question. `sealed`
        (for everyone but moderators and organisers): a proposition whose results are not
        revealed shows only its phase and voter counts. `trend`: each proposition with its
        `history` (public figures of the earlier events; not in the raw export). `flagged`
        (moderators and organisers; always in the raw export): each round also carries
        `flagged` (the part of its counts from flagged identities) and `unflagged` (its
        counts and voters without them).
        """
        kept = await self.stores.archives.load(event.code)
        found = archive.report(kept, sealed, flagged) if kept is not None else await self._live(event, raw, sealed, flagged)
        if trend and not raw:
            cache: dict[str, dict] = {}
            for proposition, entry in zip(archive.to_event(kept).propositions if kept else event.propositions,
                                          found["propositions"]):
                entry["history"] = await self.history(event, proposition, entry, cache)
        return found

    async def history(self, event: Event, proposition, entry: dict, cache: dict | None = None) -> list[dict]:
        """The proposition at every event of its chain of predecessors, oldest first, with
        the changes (history.trend). Earlier events always as the public saw them: sealed
        where never revealed, small groups withheld."""
        points = [history.point(event.code, event.date, event.title, entry)]
        seen, link, cache = {event.code}, proposition.previous, {} if cache is None else cache
        while link is not None and link[0] not in seen and len(points) < history.MAX_EVENTS:
            seen.add(link[0])
            if link[0] not in cache:  # each earlier event read once per report
                found = await self.find(link[0])
                cache[link[0]] = (found[0], await self.results(found[0], sealed=True, trend=False)) if found else None
            earlier_event, figures = cache[link[0]] or (None, None)
            earlier = earlier_event.proposition(link[1]) if earlier_event else None
            if earlier is None:
                break
            points.append(history.point(earlier_event.code, earlier_event.date, earlier_event.title,
                                        figures["propositions"][earlier.index]))
            link = earlier.previous
        return history.trend(points[::-1]) if len(points) > 1 else []

    async def archive_document(self, event: Event) -> dict:
        """The archive of an event: kept when it was made, else made now from its figures."""
        kept = await self.stores.archives.load(event.code)
        if kept is not None:
            return kept
        return archive.document(event, await self._live(event, raw=False, sealed=False, flagged=True), now_ms())

    async def _live(self, event: Event, raw: bool, sealed: bool, flagged: bool = False) -> dict:
        flagged = flagged or raw
        state = await self.stores.state.load_state(event.code)
        votes = self.stores.votes
        propositions = []
        for proposition in event.propositions:
            rounds = {}
            for round_ in range(1, state.status(proposition.id).round + 1):
                tally = await votes.read_tally(event.code, proposition.id, round_)
                rounds[str(round_)] = results.round_figures(tally, event.perspectives, event.min_group,
                                                            withhold=not raw)
                if flagged:  # the part of the counts that comes from flagged identities (docs/security.md)
                    without = results.round_figures(results.without_flagged(tally), event.perspectives,
                                                    event.min_group, withhold=not raw)
                    rounds[str(round_)].update(flagged=dict(tally.flagged), unflagged={
                        "counts": without["counts"], "voters": without["voters"]})
            status = state.status(proposition.id)
            entry = {"id": proposition.id, "text": proposition.text, "phase": status.phase.value,
                     "revealed": status.revealed, "counts": rounds["1"]["counts"],
                     "voters": rounds["1"]["voters"], "rounds": rounds, "shift": None, "transitions": None}
            if flagged:
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
        extra = {"exclude_flagged": state.exclude_flagged} if flagged else {}
        return {"code": event.code, "title": event.title, "perspectives": list(event.perspectives),
                "min_group": event.min_group, "propositions": propositions, **extra,
                "questions": [questions.item(q, moderator=raw) for q in questions.by_votes(shown)]}

    async def definition(self, event: Event) -> dict:
        """The event as a file to prepare at home; POST it to /api/events to import it."""
        premoderation, _ = await self.stores.questions.settings(event.code)
        logo = await self.stores.events.load_logo(event.code) if event.has_logo else None
        return definition.encode(EventDefinition(
            title=event.title, propositions=proposition_list.definition_items(event.propositions),
            allow_neutral=event.allow_neutral,
            language=event.language, premoderation=premoderation, perspectives=list(event.perspectives),
            min_group=event.min_group, accent=event.accent, wifi_name=event.wifi_name,
            wifi_password=event.wifi_password, ticketed=event.ticketed,
            # imported again, the event gets as many tickets, new ones (a ticket is for one event)
            tickets=len(await self.stores.tickets.listing(event.code)) if event.ticketed else 0,
            series=event.series,
            time_zone=event.time_zone,
            logo=definition.logo_data_url(*logo) if logo else None))
