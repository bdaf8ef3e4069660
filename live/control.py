"""The control desk's HTTP API: one POST per moderator action, for a Stream Deck
(Bitfocus Companion's generic HTTP module), a script or anything that speaks HTTP.

    POST /api/events/{code}/control   Authorization: Bearer <moderator key>
    {"action": "next" | "previous" | "open" | "close" | "reveal" | "hide" | "wall"
               | "proposition" | "pin_next" | "exclude_flagged" | "include_flagged"}

Answers the new state as JSON (the `state` message of docs/protocol.md). Transport
only: the actions are the console's own use cases (debate.py). See docs/control.md.
"""

from __future__ import annotations

import logging
from typing import Literal

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import protocol
from .auth import bearer
from .clock import now_ms
from .errors import RuleError
from .web import address, api_error, event_or_404

log = logging.getLogger(__name__)

ACTIONS = ("next", "previous", "open", "close", "reveal", "hide", "wall", "proposition", "pin_next",
           "exclude_flagged", "include_flagged")
MAX_BODY = 4096
ACTIONS_PER_SECOND = 20  # like a console socket's token bucket: a stuck key cannot flood the hall


class ControlRequest(msgspec.Struct, forbid_unknown_fields=True):
    action: Literal[ACTIONS]


_decoder = msgspec.json.Decoder(ControlRequest)


async def control(request: Request) -> Response:
    event = await event_or_404(request)
    access, debate = request.state.access, request.state.debate
    if not await access.moderator_key_valid(event.code, bearer(request.headers.get("authorization")), address(request)):
        log.warning("control API: wrong or missing moderator key for %s from %s", event.code, address(request))
        return api_error(401, "unauthorized", "The moderator key is required as a Bearer token.")
    if not await access.control_allowed(event.code, ACTIONS_PER_SECOND):
        return api_error(429, "rate_limited", "Too many actions. Please slow down.")
    body = await request.body()
    if len(body) > MAX_BODY:
        return api_error(413, "too_big", "The request body is too large.")
    try:
        action = _decoder.decode(body).action
    except msgspec.DecodeError:
        return api_error(400, "bad_request", f"Expected {{\"action\": one of {', '.join(ACTIONS)}}}.")
    log.info("control API: %s on %s from %s", action, event.code, address(request))
    try:
        state = await debate.control(event, action)
    except RuleError as error:
        return api_error(409, error.code, protocol.error_text(error.code, event.language))
    return JSONResponse(protocol.state_view(event, state, now_ms()))
