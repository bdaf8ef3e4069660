"""Ticketed join over HTTP: the organiser makes one-time tickets (the API and a form),
prints them as cards with a QR code each, or takes them as a CSV for a mail merge.

Transport only: talks to the use cases in the app's state; never to Redis.
"""

from __future__ import annotations

import msgspec
import segno
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from . import i18n, spreadsheet, tickets
from .auth import ORGANISER_COOKIE
from .errors import RuleError
from .i18n import N_
from .signin import csrf_valid, organiser_or_bearer, organiser_signed_in
from .web import FORM_LIMITS, api_error, base_url, error_page, event_or_404, render

CARDS_PER_PAGE = 8  # two columns of four on A4


class _Make(msgspec.Struct, forbid_unknown_fields=True):
    count: int


async def make_tickets(request: Request) -> Response:
    """`POST /api/events/{code}/tickets` with `{"count": N}`: the event turns ticketed and
    gets N more one-time tickets, which are answered once (they are also on the cards)."""
    if not await organiser_or_bearer(request):
        return api_error(401, "unauthorized", "The admin password is required.")
    event = await event_or_404(request)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > 1024:
            return api_error(413, "too_big", "The request body is too large.")
    try:
        count = msgspec.json.decode(body, type=_Make).count
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return api_error(400, "bad_request", 'Expected {"count": N} with N from 0 to 5000.')
    if isinstance(count, bool) or not 0 <= count <= tickets.MAX_AT_ONCE:
        return api_error(400, "count_out_of_range", "count must be a whole number from 0 to 5000.")
    made = await request.state.debate.tickets.make(event, count)
    base = base_url(request)
    return JSONResponse({"code": event.code, "ticketed": True, "count": len(made),
                         "tickets": [tickets.printed(t) for t in made],
                         "urls": [tickets.join_url(base, event.code, t) for t in made],
                         "cards_url": f"{base}/tickets/{event.code}",
                         "csv_url": f"{base}/api/events/{event.code}/tickets.csv"}, status_code=201)


async def tickets_csv(request: Request) -> Response:
    """Every ticket with the address its QR code opens and whether it was used (mail merge)."""
    if not await organiser_or_bearer(request):
        return api_error(401, "unauthorized", "The admin password is required.")
    event = await event_or_404(request)
    rows = await request.state.debate.tickets.csv_rows(event, base_url(request))
    excel = "nl" if request.query_params.get("excel") == "nl" else None
    return Response(spreadsheet.csv_text(rows, excel), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="tickets-{event.code}.csv"', "Cache-Control": "no-store"})


def _qr(url: str) -> Markup:
    """A QR code as inline SVG (no style attributes: the CSP allows no inline styles)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True))


async def ticket_cards(request: Request) -> Response:
    """`/tickets/{code}`: every ticket as a card to cut out (A4, eight a page), each with
    the join address, the event code, the ticket and a QR code that opens the phone page
    with the ticket filled in. POST (a form on the page): make more."""
    event = await event_or_404(request)
    if not await organiser_signed_in(request):
        return error_page(request, 401, N_("Sign in as organiser at /events to print tickets."))
    access = request.state.access
    cookie = request.cookies.get(ORGANISER_COOKIE)
    error = None
    if request.method == "POST":
        form = await request.form(**FORM_LIMITS)
        raw = str(form.get("count", "")).strip()
        if not await csrf_valid(request, form, ORGANISER_COOKIE):
            error = i18n.gettext("The form has expired. Please try again.")
        elif not raw.isdigit() or not 1 <= int(raw) <= tickets.MAX_AT_ONCE:
            error = i18n.gettext("Enter a whole number from 1 to 5000.")
        else:
            try:
                await request.state.debate.tickets.make(event, int(raw))
            except RuleError:
                error = i18n.gettext("This is not valid.")
            else:
                return RedirectResponse(f"/tickets/{event.code}", status_code=303)
    base = base_url(request)
    listing = await request.state.debate.tickets.listing(event)
    cards = [{"ticket": t, "used": used, "qr": _qr(tickets.join_url(base, event.code, t))} for t, used in listing]
    pages = [cards[i:i + CARDS_PER_PAGE] for i in range(0, len(cards), CARDS_PER_PAGE)]
    response = render(request, "tickets.html", {
        "event": event, "pages": pages, "count": len(cards), "used": sum(1 for c in cards if c["used"]),
        "join_url": f"{base}/e/{event.code}", "join_host": base.split("://", 1)[-1], "error": error,
        "csv_url": f"/api/events/{event.code}/tickets.csv", "csrf_token": (await access.signer()).csrf_token(cookie),
    }, status_code=400 if error else 200, event=event)
    response.headers["Cache-Control"] = "no-store"
    return response
