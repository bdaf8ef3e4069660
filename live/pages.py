"""The HTML pages by role, and the files they load per event (QR code, theme, logo);
the organiser's /new form is live/new_event.py.

Transport only: talks to `access` and the use cases in the app's state; never to Redis.
"""

from __future__ import annotations

import io
import zoneinfo
from datetime import datetime, timezone

import segno
import segno.helpers
from babel.dates import format_datetime
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from . import definition, i18n
from .auth import ORGANISER_COOKIE, moderator_cookie, participant_cookie
from .clock import now_ms
from .archive import due_at
from .i18n import N_
from .model import DEFAULT_TIME_ZONE
from .signin import (
    csrf_valid,
    has_moderator_session,
    login_page,
    may_see_results,
    organiser_signed_in,
    sign_in_moderator,
)
from .web import (
    FORM_LIMITS,
    address,
    base_url,
    event_in_path,
    event_or_404,
    record_or_404,
    render,
    set_cookie,
    use_language,
)

PARTICIPANT_COOKIE_SECONDS = 30 * 86400
OVERLAYS = ("full", "lower-third", "join")


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# --- participants --------------------------------------------------------------------

async def index(request: Request) -> Response:
    return render(request, "index.html", {"code": "", "error": None})


async def join(request: Request) -> Response:
    raw = request.query_params.get("code", "")
    event = await request.state.access.find_event(raw, address(request))
    if event is not None:
        return RedirectResponse(f"/e/{event.code}", status_code=303)
    use_language(request)
    return render(request, "index.html", {"code": raw[:32], "error": i18n.gettext("There is no event with this code.")},
                  status_code=404)


async def audience(request: Request) -> Response:
    event = await event_or_404(request)
    access = request.state.access
    cookie = participant_cookie(event.code)
    found = await access.participant(event.code, [request.cookies.get(cookie)])
    # ?via=stream (the stream's link, /s/{code}): a new identity counts as the stream's; an
    # identity that first joined in the hall stays the hall's.
    stream = request.query_params.get("via") == "stream"
    token = found[1] if found else (await access.new_participant(event, address(request), "page", stream))[1]
    response = render(request, "audience.html", {"event": event, "ws_path": f"/ws/{event.code}/audience"},
                      event=event)
    # Refreshed on every visit: the participant keeps one identity for the whole event.
    set_cookie(request, response, cookie, token, max_age=PARTICIPANT_COOKIE_SECONDS)
    return _no_store(response)


# --- projector -----------------------------------------------------------------------

async def projector(request: Request) -> Response:
    event = await event_or_404(request)
    base = base_url(request)
    return render(request, "projector.html", {
        "event": event, "ws_path": f"/ws/{event.code}/projector",
        "join_url": f"{base}/e/{event.code}", "join_host": base.split("://", 1)[-1],
        "qr_path": f"/qr/{event.code}.svg", "wifi_qr_path": f"/qr/{event.code}/wifi.svg",
    }, event=event)


async def overlay(request: Request) -> Response:
    """A livestream overlay (OBS / vMix browser source): full, lower-third or join."""
    variant = request.path_params.get("variant", "full")
    if variant not in OVERLAYS:
        raise HTTPException(404)
    event = await event_or_404(request)
    base = base_url(request)
    # The stream's own join link, so that its audience is counted apart from the hall's.
    return render(request, "overlay.html", {
        "event": event, "variant": variant, "ws_path": f"/ws/{event.code}/projector",
        "join_url": f"{base}/s/{event.code}", "join_host": base.split("://", 1)[-1],
        "qr_path": f"/qr/{event.code}/stream.svg",
    }, event=event)


async def stream_link(request: Request) -> Response:
    """The stream's join link, /s/{code}: the phone page, counted as the stream's audience."""
    event = await event_or_404(request)
    return RedirectResponse(f"/e/{event.code}?via=stream", status_code=303)


async def qr_code(request: Request) -> Response:
    """The join link as a QR code: the hall's, or (/qr/{code}/stream.svg) the stream's."""
    event = await event_or_404(request)
    buffer = io.BytesIO()
    link = "s" if request.url.path.endswith("/stream.svg") else "e"
    segno.make(f"{base_url(request)}/{link}/{event.code}", error="m").save(
        buffer, kind="svg", scale=10, border=2, dark="#000", light="#fff", xmldecl=False)
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


async def wifi_qr_code(request: Request) -> Response:
    """The venue's Wi-Fi as a QR code in the standard WIFI: format (phones join by scanning)."""
    event = await event_or_404(request)
    if not event.wifi_name:
        return Response(status_code=404)
    buffer = io.BytesIO()
    segno.helpers.make_wifi(event.wifi_name, event.wifi_password, "WPA" if event.wifi_password else "nopass").save(
        buffer, kind="svg", scale=10, border=2, dark="#000", light="#fff", xmldecl=False)
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-cache"})


async def theme(request: Request) -> Response:
    """The event's accent colour as a stylesheet (inline styles are not allowed by the CSP)."""
    event = await event_in_path(request)
    css = f":root {{ --accent: {event.accent}; }}\n" if event is not None and event.accent else ""
    return Response(css, media_type="text/css", headers={"Cache-Control": "no-cache"})


async def logo(request: Request) -> Response:
    event = await event_or_404(request)
    found = await request.state.debate.logo(event)
    if found is None:
        return Response(status_code=404)
    return Response(found[1], media_type=found[0], headers={"Cache-Control": "public, max-age=3600"})


# --- moderator -----------------------------------------------------------------------

async def moderator(request: Request) -> Response:
    event = await event_or_404(request)
    access = request.state.access
    key = request.query_params.get("key")
    if key is not None:
        # A moderator link with its key: sign in, then drop the key from the address bar.
        if await access.moderator_key_valid(event.code, key, address(request)):
            return await sign_in_moderator(request, event)
        return await login_page(request, event, wrong=True)
    if not await has_moderator_session(request, event):
        if await organiser_signed_in(request):  # an organiser needs no event's key
            return await sign_in_moderator(request, event)
        return await login_page(request, event)
    base = base_url(request)
    return _no_store(render(request, "moderator.html", {
        "event": event, "ws_path": f"/ws/{event.code}/moderator",
        "audience_url": f"{base}/e/{event.code}", "projector_url": f"{base}/projector/{event.code}",
        "csrf_token": (await access.signer()).csrf_token(request.cookies.get(moderator_cookie(event.code))),
        "logout_url": f"/moderate/{event.code}/logout",
        "logout_all_url": f"/moderate/{event.code}/logout-all", "rotate_url": f"/moderate/{event.code}/key",
        "results_url": f"/results/{event.code}", "definition_url": f"/moderate/{event.code}/definition.json",
    }, event=event))


# --- organiser -----------------------------------------------------------------------

def _local_time(ms: int, language: str, zone: str = DEFAULT_TIME_ZONE) -> str:
    return format_datetime(datetime.fromtimestamp(ms / 1000, timezone.utc), format="medium", locale=language,
                           tzinfo=zoneinfo.ZoneInfo(zone))


def _zone_name(zone: str, language: str) -> str:
    """How the report names its time zone: "Midden-Europese standaardtijd (Europe/Amsterdam)"."""
    named = format_datetime(datetime.now(timezone.utc), "zzzz", locale=language, tzinfo=zoneinfo.ZoneInfo(zone))
    return f"{named} ({zone})"


async def results_report(request: Request) -> Response:
    event = await record_or_404(request)
    if not await may_see_results(request, event):
        return RedirectResponse(f"/moderate/{event.code}", status_code=303)
    language = use_language(request, event)
    found = await request.state.report.results(event, sealed=False, flagged=True)
    return _no_store(render(request, "results.html", {
        "event": event, "results": found,
        "archived_at": _local_time(found["archived"]["at"], language) if found.get("archived") else None,
        "archive_due": None if found.get("archived") else _local_time(
            due_at(event, request.state.settings.archive_after_days), language),
        "csv_url": f"/api/events/{event.code}/results.csv",
        "xlsx_url": f"/api/events/{event.code}/results.xlsx",
        "questions_csv_url": f"/api/events/{event.code}/questions.csv",
        "generated_at": _local_time(now_ms(), language, event.time_zone),
        "time_zone": _zone_name(event.time_zone, language),
    }, event=event))


IMPORT_ERRORS = {
    "not_json": N_("This file is not an archive: it is not JSON."),
    "not_an_archive": N_("This file is not an archive of live."),
    "unknown_version": N_("This archive was made by a version of live that this server does not know."),
    "tampered": N_("This archive was changed after it was exported (its checksum does not match). Nothing was imported."),
    "bad_archive": N_("This archive is incomplete or damaged. Nothing was imported."),
    "code_taken": N_("A debate or archive with the same code is already here. Nothing was imported."),
}


async def events_page(request: Request, error: str | None = None) -> Response:
    access = request.state.access
    if not await organiser_signed_in(request):
        csrf = (await access.signer()).csrf_token()
        return render(request, "events.html", {"authenticated": False, "events": [], "error": None, "csrf_token": csrf})
    csrf = (await access.signer()).csrf_token(request.cookies.get(ORGANISER_COOKIE))  # bound to the session
    language = use_language(request)
    archived = {a["code"]: a for a in await request.state.archiver.list_archives()}
    events = [{**e, "created": _local_time(e["created"], language), "expires": _local_time(e["expires"], language)}
              for e in await request.state.debate.list_events() if e["code"] not in archived]
    archives = [{**a, "archived_at": _local_time(a["archived_at"], language)} for a in archived.values()]
    return _no_store(render(request, "events.html", {
        "authenticated": True, "events": events, "archives": archives, "csrf_token": csrf,
        "archive_after_days": request.state.settings.archive_after_days,
        "error": i18n.gettext(IMPORT_ERRORS[error]) if error else None}, status_code=400 if error else 200))


async def delete_event(request: Request) -> Response:
    form = await request.form(**FORM_LIMITS)
    if not await csrf_valid(request, form, ORGANISER_COOKIE) or not await organiser_signed_in(request):
        return PlainTextResponse("Forbidden", status_code=403)
    code = definition.normalize_code(request.path_params["code"])
    if code:  # the event, its archive, or both
        await request.state.archiver.delete(code)
    return RedirectResponse("/events", status_code=303)
