"""Use case: reduce events to their archives once the retention period has passed
(docs/privacy.md), or at once when the organiser asks, and delete archives.

Any worker runs the retention pass every `archive_every_seconds`; only the one holding
the lock (SET NX PX, expiring by itself) does the work. A reduction writes the archive
first and then deletes the event's keys; a pass finds an event that has both (a
reduction that stopped halfway) and finishes it.
"""

from __future__ import annotations

import asyncio
import logging

from . import definition
from .archive import due_at
from .bus import Bus
from .clock import now_ms
from .model import Event
from .report import Report
from .settings import Settings
from .store import Stores

log = logging.getLogger(__name__)


class Archiver:
    def __init__(self, stores: Stores, report: Report, bus: Bus, settings: Settings):
        self.stores, self.report, self.bus, self.settings = stores, report, bus, settings

    def now(self) -> int:
        """The retention pass's clock: the app's, moved by LIVE_CLOCK_OFFSET_MS (drills, tests)."""
        return now_ms() + self.settings.clock_offset_ms

    async def reduce(self, event: Event) -> dict:
        """The event reduced to its archive; returns the archive. Idempotent: a rerun
        finishes what a stopped one began."""
        document = await self.report.archive_document(event)
        await self.stores.archives.save(document)
        if self.settings.fault_pause_archive:  # fault tests: a worker stopped between the two steps
            log.warning("reduction of %s paused after the archive was written", event.code)
            await asyncio.Event().wait()
        keys = self.stores.keys.event_keys(event.code, [p.id for p in event.propositions])
        await self.stores.archives.drop_event_keys(event.code, keys)
        await self.bus.event_deleted(event.code)
        log.info("event %s reduced to its archive", event.code)
        return document

    async def store(self, document: dict) -> str:
        """Keep an imported archive (checked by archive.parse), in its series if it names one."""
        await self.stores.archives.save(document)
        event = document["event"]
        if event.get("series"):
            await self.stores.events.add_to_series(event["series"], event["code"], event["created"])
        return event["code"]

    async def series_documents(self, name: str) -> list[dict]:
        """The archives of a series' events, oldest first (made now for events not archived yet)."""
        documents = []
        name = (await self.stores.events.every_series()).get(definition.series_key(name), name)
        for code in await self.stores.events.series_codes(name):  # one by one: each in its own slot
            found = await self.report.find(code)
            if found is not None:
                document = await self.report.archive_document(found[0])
                # an event archived before it joined the series (the first of a follow-up) names it in the file
                documents.append({**document, "event": {**document["event"], "series": document["event"]["series"] or name}})
        return documents

    async def list_archives(self) -> list[dict]:
        return await self.stores.archives.list_archives()

    async def delete(self, code: str) -> None:
        """An event or its archive, or both, gone for good."""
        event = await self.stores.events.load_event(code)
        if event is not None:
            await self.stores.events.delete_event(event)
            await self.bus.event_deleted(code)
        await self.stores.archives.delete(code)

    async def retention_pass(self) -> list[str]:
        """Reduce every event whose time has come, under the lock; the codes reduced."""
        lock = await self.stores.archives.lock(self.settings.archive_lock_seconds * 1000)
        if lock is None:
            return []
        reduced = []
        try:
            archived = await self.stores.archives.archived_codes()
            after = self.settings.archive_after_days
            for listed in await self.stores.events.list_events():
                event = await self.stores.events.load_event(listed["code"])
                if event is not None and (event.code in archived or due_at(event, after) <= self.now()):
                    await self.reduce(event)
                    reduced.append(event.code)
        finally:
            await self.stores.archives.unlock(lock)
        return reduced

    async def run(self) -> None:
        """The periodic retention pass of this worker (a task of the app's lifespan)."""
        while True:
            try:
                await self.retention_pass()
            except Exception:  # a pass that failed (Redis away) is simply tried again later
                log.exception("the retention pass failed")
            await asyncio.sleep(self.settings.archive_every_seconds)
