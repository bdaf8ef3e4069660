"""Ticketed join: for votes that must be exact, an organiser makes one-time tickets; each
admits exactly one identity, and without one nobody votes, asks or declares a
perspective in the event (so stuffing adds nothing and the small-group guard counts
ticket holders only).

A use case like debate.py: knows the stores, nothing of HTTP or WebSockets.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from .definition import CODE_ALPHABET
from .errors import RuleError
from .model import Event

if TYPE_CHECKING:
    from .store import Stores

TICKET_LENGTH = 12  # 31^12 ≈ 8·10^17: guessing one of a few thousand is hopeless at any rate
GROUP = 4  # printed as XXXX-XXXX-XXXX
MAX_AT_ONCE = 5000


def new_ticket() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(TICKET_LENGTH))


def printed(ticket: str) -> str:
    """A ticket as printed and typed: groups of four, joined by dashes."""
    return "-".join(ticket[i:i + GROUP] for i in range(0, len(ticket), GROUP))


def normalize(raw: str) -> str | None:
    """A ticket as typed (any case, spaces and dashes, O for 0 …) → its stored form, or None."""
    ticket = "".join(ch for ch in raw.upper() if ch.isalnum())
    if len(ticket) != TICKET_LENGTH or any(ch not in CODE_ALPHABET for ch in ticket):
        return None
    return ticket


def join_url(base: str, code: str, ticket: str) -> str:
    """The address a card's QR code opens: the audience page with the ticket filled in."""
    return f"{base}/e/{code}?ticket={printed(ticket)}"


class Tickets:
    def __init__(self, stores: "Stores"):
        self.stores = stores

    async def make(self, event: Event, count: int) -> list[str]:
        """Turn the event to ticketed and make `count` more one-time tickets (0: none yet)."""
        if not 0 <= count <= MAX_AT_ONCE:
            raise RuleError("bad_message")
        tickets = sorted({new_ticket() for _ in range(count)})
        if not await self.stores.tickets.add(event.code, tickets, event.expires_at):
            raise RuleError("unknown_event")
        return tickets

    async def redeem(self, event: Event, participant: str, raw: str) -> None:
        """Admit this identity with a ticket. Raises RuleError: unknown_ticket, ticket_used."""
        ticket = normalize(raw)
        if ticket is None:
            raise RuleError("unknown_ticket")
        outcome = await self.stores.tickets.redeem(event.code, ticket, participant, event.expires_at)
        if outcome != "ok":
            raise RuleError(outcome)

    async def require(self, event: Event, participant: str) -> None:
        """Raise RuleError("ticket_required") when the event is ticketed and this identity holds none."""
        if await self.stores.tickets.status(event.code, participant) is False:
            raise RuleError("ticket_required")

    async def status(self, event: Event, participant: str) -> bool | None:
        """None when the event is not ticketed, else whether this identity holds a ticket."""
        return await self.stores.tickets.status(event.code, participant)

    async def listing(self, event: Event) -> list[tuple[str, bool]]:
        """Every ticket (as printed) with whether it has been used."""
        return [(printed(ticket), used) for ticket, used in await self.stores.tickets.listing(event.code)]

    async def csv_rows(self, event: Event, base: str) -> list[list]:
        """For a mail merge: one row per ticket with the address its QR code opens."""
        rows = [["ticket", "url", "used"]]
        rows += [[ticket, join_url(base, event.code, ticket), "yes" if used else "no"]
                 for ticket, used in await self.listing(event)]
        return rows
