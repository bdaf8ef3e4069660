"""HTTP for series and archives: linking a proposition to its predecessor, a proposition's
history, archive now, delete, and the archive files (export and import).

Transport only: talks to the use cases in the app's state; never to Redis.
"""

from __future__ import annotations

import msgspec
import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from . import archive, definition
from .api import MAX_BODY, _bounded_body
from .errors import RuleError, ValidationError
from .pages import events_page
from .signin import csrf_valid, may_see_results, organiser_or_bearer, organiser_signed_in
from .auth import ORGANISER_COOKIE
from .web import FORM_LIMITS, api_error, record_or_404

ARCHIVE_ERRORS = {
    "not_json": "The file is not JSON.",
    "not_an_archive": 'This is not an archive of live (no "schema": "live-archive").',
    "unknown_version": "This archive has a version this server does not know (it reads version 1).",
    "tampered": "The checksum does not match: the file was changed after it was exported.",
    "bad_archive": "The archive is incomplete or malformed.",
    "code_taken": "An event or archive with this code exists here already; delete it first.",
}


class Link(msgspec.Struct, forbid_unknown_fields=True):
    proposition: str
    previous: dict[str, str] | None


_link = msgspec.json.Decoder(Link)
LINK_ERRORS = {"unknown_previous_event": "The earlier event does not exist here.",
               "unknown_previous_proposition": "The earlier event has no such proposition."}


def _code(request: Request) -> str | None:
    return definition.normalize_code(request.path_params["code"])


async def _found(request: Request):
    code = _code(request)
    return await request.state.report.find(code) if code else None


async def link(request: Request) -> Response:
    """Link a proposition to its predecessor at an earlier event (or unlink it: null)."""
    if not await organiser_or_bearer(request):
        return api_error(401, "unauthorized", "The admin password is required.")
    code = _code(request)
    event = await request.state.debate.event(code) if code else None
    if event is None:
        return api_error(404, "unknown_event", "There is no such event (an archive cannot be changed).")
    try:
        given = _link.decode(await _bounded_body(request) or b"")
    except (msgspec.DecodeError, msgspec.ValidationError):
        return api_error(400, "bad_request", 'Expected {"proposition": "<id>", "previous": '
                                             '{"code": "<code>", "proposition": "<id>"} or null}.')
    previous = given.previous
    try:
        previous = await request.state.debate.editing.link(
            event, given.proposition, None if previous is None else (previous.get("code", ""),
                                                                     previous.get("proposition", "")))
    except RuleError as error:
        return api_error(400, error.code, LINK_ERRORS.get(error.code, "There is no such proposition in this event."))
    return JSONResponse({"proposition": given.proposition,
                         "previous": {"code": previous[0], "proposition": previous[1]} if previous else None})


async def proposition_history(request: Request) -> Response:
    """One proposition's history (what the projector shows for "2018 → now"): sealed
    where not revealed, unless a moderator or organiser asks."""
    event = await record_or_404(request)  # an unknown code counts against the address, as everywhere
    proposition = event.proposition(request.path_params["proposition"])
    if proposition is None:
        return api_error(404, "unknown_proposition", "There is no such proposition.")
    figures = await request.state.report.results(event, sealed=not await may_see_results(request, event),
                                                 trend=False)
    entry = figures["propositions"][proposition.index]
    return JSONResponse({"proposition": proposition.id, "text": proposition.text,
                         "history": await request.state.report.history(event, proposition, entry)})


def _download(body: dict, name: str) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_INDENT_2), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def export_event(request: Request) -> Response:
    """The archive of one event as a file (made now from its figures if not archived yet)."""
    if not await organiser_or_bearer(request):
        return api_error(401, "unauthorized", "The admin password is required.")
    found = await _found(request)
    if found is None:
        return api_error(404, "unknown_event", "There is no such event.")
    document = await request.state.report.archive_document(found[0])
    return _download(archive.export([document]), f"archive-{found[0].code}.json")


async def export_series(request: Request) -> Response:
    """The archives of every event of a series, oldest first."""
    if not await organiser_or_bearer(request):
        return api_error(401, "unauthorized", "The admin password is required.")
    name = request.path_params["series"]
    documents = await request.state.archiver.series_documents(name)
    if not documents:
        return api_error(404, "unknown_series", "There is no such series.")
    return _download(archive.export(documents, series=documents[-1]["event"]["series"] or name),
                     f"series-{definition.series_key(name)}.json")


async def _import(request: Request, raw: bytes) -> list[str]:
    """Store every archive of a file; nothing at all when any is refused. Raises ValidationError."""
    archives = archive.parse(raw)
    for document in archives:
        if await request.state.report.find(document["event"]["code"]) is not None:
            raise ValidationError("code_taken", "file")
    return [await request.state.archiver.store(document) for document in archives]


async def import_archive(request: Request) -> Response:
    if not await organiser_or_bearer(request):
        return api_error(401, "unauthorized", "The admin password is required.")
    raw = await _bounded_body(request)
    if raw is None:
        return api_error(413, "too_big", f"An archive file may be at most {MAX_BODY // 1024} KiB here.")
    try:
        codes = await _import(request, raw)
    except ValidationError as error:
        return api_error(409 if error.code == "code_taken" else 400, error.code, ARCHIVE_ERRORS[error.code])
    return JSONResponse({"imported": codes}, status_code=201)


async def archive_now(request: Request) -> Response:
    if not await organiser_or_bearer(request):
        return api_error(401, "unauthorized", "The admin password is required.")
    event = await request.state.debate.event(_code(request) or "")
    if event is None:
        return api_error(404, "unknown_event", "There is no such event (or it is archived already).")
    document = await request.state.archiver.reduce(event)
    return JSONResponse(archive.meta(document))


async def delete(request: Request) -> Response:
    """An event, its archive, or both: gone for good."""
    if not await organiser_or_bearer(request):
        return api_error(401, "unauthorized", "The admin password is required.")
    if await _found(request) is None:
        return api_error(404, "unknown_event", "There is no such event or archive.")
    await request.state.archiver.delete(_code(request))
    return Response(status_code=204)


async def archive_form(request: Request) -> Response:
    """/events: "Archive now" (after its confirmation)."""
    form = await request.form(**FORM_LIMITS)
    if not await csrf_valid(request, form, ORGANISER_COOKIE) or not await organiser_signed_in(request):
        return PlainTextResponse("Forbidden", status_code=403)
    event = await request.state.debate.event(_code(request) or "")
    if event is not None:
        await request.state.archiver.reduce(event)
    return RedirectResponse("/events", status_code=303)


async def import_form(request: Request) -> Response:
    """/events: import an archive file; errors shown on the page, nothing stored."""
    async with request.form(**{**FORM_LIMITS, "max_files": 1, "max_part_size": MAX_BODY}) as form:  # closes the file
        allowed = await csrf_valid(request, form, ORGANISER_COOKIE) and await organiser_signed_in(request)
        upload = form.get("file")
        raw = await upload.read(MAX_BODY + 1) if allowed and hasattr(upload, "read") else b""
    if not allowed:
        return PlainTextResponse("Forbidden", status_code=403)
    try:
        if len(raw) > MAX_BODY:
            raise ValidationError("bad_archive", "file")
        await _import(request, raw)
    except ValidationError as error:
        return await events_page(request, error=error.code)
    return RedirectResponse("/events", status_code=303)
