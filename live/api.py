"""The JSON and CSV API, and the health check.

Transport only: talks to `access` and the use cases in the app's state; never to Redis.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import definition, spreadsheet
from .auth import bearer
from .errors import ValidationError
from .results_csv import csv_rows
from .signin import may_see_results, organiser_or_bearer
from .web import address, api_error, base_url, declared_length, event_or_404, event_urls, record_or_404

# An exported definition always imports again: a logo of MAX_LOGO_BYTES is ~342 KiB as a
# base64 data: URL, and the longest texts (100 propositions of 500 characters, 4 bytes
# each in UTF-8 or 6 when escaped) stay under 640 KiB.
MAX_BODY = 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _bounded_body(request: Request) -> bytes | None:
    """The body, or None as soon as it passes MAX_BODY (announced or not)."""
    if (declared_length(request) or 0) > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def create_event(request: Request) -> Response:
    access = request.state.access
    if not await access.is_organiser(bearer(request.headers.get("authorization")), address(request)):
        return api_error(401, "unauthorized", "A valid admin password is required as a Bearer token.")
    body = await _bounded_body(request)
    if body is None:
        return api_error(413, "too_big", "The request body is too large.")
    try:
        given = definition.decode(body)
    except msgspec.ValidationError:
        return api_error(400, "bad_request", "Expected title (string), propositions (list of strings), "
                                             "allow_neutral (bool), language, premoderation (bool), "
                                             "perspectives (list of strings), min_group (integer), "
                                             "accent (#rrggbb), logo (data: URL).")
    except (msgspec.DecodeError, RecursionError, ValueError):
        return api_error(400, "bad_json", "The body is not valid JSON.")
    logo = definition.logo_from_data_url(given.logo) if given.logo else None
    if given.logo and logo is None:
        return api_error(400, "logo_not_an_image", "logo must be a base64 data: URL of a PNG, JPEG or WebP image.")
    try:
        event, moderator_key = await request.state.debate.create_event(given, logo)
    except ValidationError as error:
        return api_error(400, f"{error.field}_{error.code}", f"Invalid {error.field}: {error.code}.")
    return JSONResponse({"code": event.code, "moderator_key": moderator_key,
                         "urls": event_urls(base_url(request), event.code, moderator_key)}, status_code=201)


async def _results(request: Request, event) -> dict:
    """The public figures; unrevealed counts only for the event's moderators and organisers."""
    insider = await may_see_results(request, event)  # and so the figures with and without flagged identities
    return await request.state.report.results(event, sealed=not insider, flagged=insider)


async def event_results(request: Request) -> Response:
    event = await record_or_404(request)
    return JSONResponse(await _results(request, event))


def _csv(request: Request, rows: list[list], filename: str) -> Response:
    """CSV for tools, or with `?excel=nl` for Dutch Excel (`;`, BOM); formulas neutralised in both."""
    excel = "nl" if request.query_params.get("excel") == "nl" else None
    return Response(spreadsheet.csv_text(rows, excel), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def results_csv(request: Request) -> Response:
    event = await record_or_404(request)
    return _csv(request, csv_rows(await _results(request, event)), f"results-{event.code}.csv")


async def results_xlsx(request: Request) -> Response:
    """The workbook: the same figures and access rules as the results API, in the event's language."""
    event = await record_or_404(request)
    return Response(spreadsheet.workbook(await _results(request, event), event.language), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="results-{event.code}.xlsx"'})


async def questions_csv(request: Request) -> Response:
    event = await record_or_404(request)
    report = await request.state.report.results(event)
    rows = [["id", "text", "name", "votes", "status", "to"]]
    rows += [[q["id"], q["text"], q["name"] or "", q["votes"], q["status"], q["to"] or ""] for q in report["questions"]]
    return _csv(request, rows, f"questions-{event.code}.csv")


async def export(request: Request) -> Response:
    """The organiser's raw export: small groups included and marked, every question."""
    if not await organiser_or_bearer(request):
        return api_error(401, "unauthorized", "The admin password is required.")
    event = await event_or_404(request)
    return JSONResponse({**await request.state.report.results(event, raw=True),
                         "note": "Raw export: groups under min_group are included and marked withheld=true."})


async def event_definition(request: Request) -> Response:
    event = await event_or_404(request)
    if not await may_see_results(request, event):
        return api_error(401, "unauthorized", "The moderator key or admin password is required.")
    return JSONResponse(await request.state.report.definition(event), headers={
        "Content-Disposition": f'attachment; filename="event-{event.code}.json"'})


async def healthz(request: Request) -> Response:
    if await request.state.debate.healthy():
        return JSONResponse({"redis": "ok"})
    return JSONResponse({"redis": "unavailable"}, status_code=503)
