"""HTTP: the pages, the QR code, the JSON API and the health check.

Talks to the use cases in `debate`; never to Redis directly.
"""

from __future__ import annotations

import base64
import csv
import io
import logging
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import jinja2
import segno
from babel.dates import format_datetime
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from . import i18n, model, questions
from .auth import ADMIN_COOKIE, bearer, moderator_cookie, participant_cookie
from .model import Event, RuleError, ValidationError
from .store import StoreUnavailable

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE_COOKIE = "lang"
PARTICIPANT_COOKIE_SECONDS = 30 * 86400
FORM_LIMITS = {"max_files": 0, "max_fields": 20, "max_part_size": 64 * 1024}
NEW_EVENT_FORM_LIMITS = {**FORM_LIMITS, "max_files": 1}


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    return Jinja2Templates(env=env)


templates = make_templates()


def _debate(request: Request):
    return request.state.debate


def _language(request: Request, event: Event | None = None) -> str:
    return i18n.pick_language(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE),
                              event.language if event else None)


def base_url(request: Request) -> str:
    configured = request.state.settings.public_url
    return configured or str(request.base_url).rstrip("/")


def render(request: Request, name: str, context: dict, status_code: int = 200,
           event: Event | None = None) -> Response:
    language = _language(request, event)
    i18n.current_language.set(language)
    other = "en" if language == "nl" else "nl"
    query = {k: v for k, v in request.query_params.items() if k not in ("lang", "key")}
    query["lang"] = other
    context = {**context, "lang": language, "other_lang": other,
               "switch_lang_url": f"{request.url.path}?{urlencode(query)}",
               "limits": {"question": questions.MAX_QUESTION, "name": questions.MAX_NAME}}
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        _set_cookie(request, response, LANGUAGE_COOKIE, language, max_age=365 * 86400, httponly=False)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None,
                httponly: bool = True, samesite: str = "lax") -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=httponly, samesite=samesite,
                        secure=request.state.settings.secure_cookies, path="/")


def not_found(request: Request) -> Response:
    i18n.current_language.set(_language(request))
    return render(request, "error.html", {"status": 404, "message": i18n.gettext("There is no event with this code.")},
                  status_code=404)


def _address(request: Request) -> str:
    # uvicorn has already applied X-Forwarded-For, but only from trusted proxies
    # (FORWARDED_ALLOW_IPS), so a spoofed header cannot change this.
    return request.client.host if request.client else "unknown"


async def _event_from_path(request: Request) -> Event | None:
    return await _debate(request).find_event(request.path_params["code"], _address(request))


def too_many_attempts(request: Request) -> Response:
    i18n.current_language.set(_language(request))
    return render(request, "error.html", {"status": 429, "message": i18n.gettext(
        "Too many attempts with unknown codes. Please wait a minute and try again.")}, status_code=429)


# --- participants --------------------------------------------------------------------

async def index(request: Request) -> Response:
    return render(request, "index.html", {"code": "", "error": None})


async def join(request: Request) -> Response:
    raw = request.query_params.get("code", "")
    event = await _debate(request).find_event(raw, _address(request))
    if event is not None:
        return RedirectResponse(f"/e/{event.code}", status_code=303)
    i18n.current_language.set(_language(request))
    return render(request, "index.html", {"code": raw[:32], "error": i18n.gettext("There is no event with this code.")},
                  status_code=404)


async def audience(request: Request) -> Response:
    event = await _event_from_path(request)
    if event is None:
        return not_found(request)
    debate = _debate(request)
    cookie = participant_cookie(event.code)
    token = request.cookies.get(cookie)
    if (await debate.signer()).participant(event.code, token) is None:
        token = (await debate.new_participant(event, _address(request)))[1]
    response = render(request, "audience.html", {"event": event, "ws_path": f"/ws/{event.code}/audience"},
                      event=event)
    # Refreshed on every visit: the participant keeps one identity for the whole event.
    _set_cookie(request, response, cookie, token, max_age=PARTICIPANT_COOKIE_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- projector -----------------------------------------------------------------------

async def screen(request: Request) -> Response:
    event = await _event_from_path(request)
    if event is None:
        return not_found(request)
    base = base_url(request)
    return render(request, "projector.html", {
        "event": event, "ws_path": f"/ws/{event.code}/projector",
        "join_url": f"{base}/e/{event.code}", "join_host": base.split("://", 1)[-1],
        "qr_path": f"/qr/{event.code}.svg",
    }, event=event)


async def qr_code(request: Request) -> Response:
    event = await _event_from_path(request)
    if event is None:
        return Response(status_code=404)
    buffer = io.BytesIO()
    segno.make(f"{base_url(request)}/e/{event.code}", error="m").save(
        buffer, kind="svg", scale=10, border=2, dark="#000", light="#fff", xmldecl=False)
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


# --- moderator -----------------------------------------------------------------------

async def moderate(request: Request) -> Response:
    event = await _event_from_path(request)
    if event is None:
        return not_found(request)
    debate = _debate(request)
    key = request.query_params.get("key")
    if key is not None:
        # A moderator link with its key: sign in, then drop the key from the address bar.
        if await debate.moderator_key_valid(event.code, key):
            return await _signed_in(request, event)
        return await _login_page(request, event, wrong=True)
    if not await debate.moderator_session_valid(event.code, request.cookies.get(moderator_cookie(event.code))):
        return await _login_page(request, event)
    base = base_url(request)
    response = render(request, "moderator.html", {
        "event": event, "ws_path": f"/ws/{event.code}/moderator",
        "audience_url": f"{base}/e/{event.code}", "projector_url": f"{base}/screen/{event.code}",
        "csrf_token": (await debate.signer()).csrf_token(), "logout_url": f"/moderate/{event.code}/logout",
        "results_url": f"/results/{event.code}", "definition_url": f"/moderate/{event.code}/definition.json",
    }, event=event)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _login_page(request: Request, event: Event, wrong: bool = False) -> Response:
    i18n.current_language.set(_language(request, event))
    error = i18n.gettext("This moderator key is not right.") if wrong else None
    return render(request, "login.html", {"event": event, "error": error,
                                          "csrf_token": (await _debate(request).signer()).csrf_token()},
                  status_code=401 if wrong else 200, event=event)


async def login(request: Request) -> Response:
    event = await _event_from_path(request)
    if event is None:
        return not_found(request)
    debate = _debate(request)
    form = await request.form(**FORM_LIMITS)
    if not (await debate.signer()).csrf_valid(form.get("csrf")):
        return await _login_page(request, event, wrong=True)
    if not await debate.moderator_key_valid(event.code, form.get("key")):
        return await _login_page(request, event, wrong=True)
    return await _signed_in(request, event)


async def _signed_in(request: Request, event: Event) -> Response:
    """To the console, with a session cookie (a browser-session cookie, same-site only)."""
    response = RedirectResponse(f"/moderate/{event.code}", status_code=303)
    _set_cookie(request, response, moderator_cookie(event.code),
                await _debate(request).moderator_session(event.code), max_age=None, samesite="strict")
    return response


async def logout(request: Request) -> Response:
    event = await _event_from_path(request)
    if event is None:
        return not_found(request)
    debate = _debate(request)
    form = await request.form(**FORM_LIMITS)
    if (await debate.signer()).csrf_valid(form.get("csrf")) and await debate.moderator_session_valid(
            event.code, request.cookies.get(moderator_cookie(event.code))):
        await debate.log_out_moderators(event.code)
    response = RedirectResponse(f"/moderate/{event.code}", status_code=303)
    response.delete_cookie(moderator_cookie(event.code), path="/")
    return response


# --- organiser -----------------------------------------------------------------------

def _field_errors(error: ValidationError) -> dict[str, str]:
    messages = {
        "empty": i18n.gettext("Please fill this in."),
        "too_long": i18n.gettext("This is too long."),
        "too_many": i18n.gettext("There are too many of these."),
        "unknown_language": i18n.gettext("Choose Dutch or English."),
        "duplicate": i18n.gettext("Each perspective can be listed only once."),
        "out_of_range": i18n.gettext("Enter a whole number from 1 to 1000."),
        "not_a_colour": i18n.gettext("Choose a colour like #1a5fb4."),
        "not_an_image": i18n.gettext("The logo must be a PNG, JPEG or WebP image."),
    }
    return {error.field: messages.get(error.code, i18n.gettext("This is not valid."))}


async def new_event_form(request: Request) -> Response:
    debate = _debate(request)
    values = {"title": "", "propositions": "", "allow_neutral": True, "language": _language(request),
              "premoderation": True, "perspectives": "", "min_group": model.DEFAULT_MIN_GROUP, "accent": ""}
    if request.method == "GET":
        return render(request, "new.html", {"values": values, "errors": {},
                                            "csrf_token": (await debate.signer()).csrf_token()})
    async with request.form(**NEW_EVENT_FORM_LIMITS) as form:  # closes the uploaded file
        upload = form.get("logo")
        logo = await upload.read(model.MAX_LOGO_BYTES + 1) if hasattr(upload, "read") else b""
    i18n.current_language.set(_language(request))
    values = {"title": str(form.get("title", ""))[:2000], "propositions": str(form.get("propositions", ""))[:60000],
              "allow_neutral": form.get("allow_neutral") == "1", "language": str(form.get("language", "nl")),
              "premoderation": form.get("premoderation") == "1",
              "perspectives": str(form.get("perspectives", ""))[:2000],
              "min_group": str(form.get("min_group", model.DEFAULT_MIN_GROUP))[:10],
              "accent": str(form.get("accent", "")).strip()[:7]}
    errors: dict[str, str] = {}
    if not (await debate.signer()).csrf_valid(form.get("csrf")):
        errors["form"] = i18n.gettext("The form has expired. Please try again.")
    elif not await debate.is_admin(form.get("admin_password")):
        errors["admin_password"] = i18n.gettext("This password is not right.")
    elif not values["min_group"].strip().isdigit():
        errors["min_group"] = i18n.gettext("Enter a whole number from 1 to 1000.")
    else:
        try:
            event, moderator_key = await debate.create_event(
                values["title"], values["propositions"].splitlines(), values["allow_neutral"], values["language"],
                values["premoderation"], values["perspectives"].splitlines(), int(values["min_group"]),
                values["accent"] or None, logo or None)
        except ValidationError as error:
            errors = _field_errors(error)
        else:
            return render(request, "created.html", {"event": event, "moderator_key": moderator_key,
                                                    "urls": event_urls(base_url(request), event.code, moderator_key)})
    return render(request, "new.html", {"values": values, "errors": errors,
                                        "csrf_token": (await debate.signer()).csrf_token()}, status_code=400)


def event_urls(base: str, code: str, moderator_key: str) -> dict[str, str]:
    return {"audience": f"{base}/e/{code}", "projector": f"{base}/screen/{code}",
            "moderator": f"{base}/moderate/{code}?{urlencode({'key': moderator_key})}"}


# --- JSON API ------------------------------------------------------------------------

def _data_url(value: str) -> bytes | None:
    header, _, data = value.partition(",")
    if not header.startswith("data:") or not header.endswith(";base64") or len(data) > 400_000:
        return None
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:
        return None


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def api_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


async def api_create_event(request: Request) -> Response:
    debate = _debate(request)
    if not await debate.is_admin(bearer(request.headers.get("authorization"))):
        return api_error(401, "unauthorized", "A valid admin password is required as a Bearer token.")
    if int(request.headers.get("content-length") or 0) > 256 * 1024:
        return api_error(413, "too_big", "The request body is too large.")
    try:
        body = await request.json()
    except ValueError:
        return api_error(400, "bad_json", "The body is not valid JSON.")
    if not isinstance(body, dict):
        return api_error(400, "bad_request", "The body must be a JSON object.")
    title, propositions = body.get("title"), body.get("propositions")
    allow_neutral, language = body.get("allow_neutral", False), body.get("language", "nl")
    premoderation = body.get("premoderation", True)
    perspectives, min_group = body.get("perspectives", []), body.get("min_group", model.DEFAULT_MIN_GROUP)
    accent, logo = body.get("accent"), body.get("logo")
    if not isinstance(title, str) or not _strings(propositions) or not isinstance(allow_neutral, bool) or \
            not isinstance(language, str) or not isinstance(premoderation, bool) or not _strings(perspectives) or \
            not isinstance(min_group, int) or isinstance(min_group, bool) or not isinstance(accent, (str, type(None))) \
            or not isinstance(logo, (str, type(None))):
        return api_error(400, "bad_request", "Expected title (string), propositions (list of strings), "
                                             "allow_neutral (bool), language, premoderation (bool), "
                                             "perspectives (list of strings), min_group (integer), "
                                             "accent (#rrggbb), logo (data: URL).")
    logo_bytes = _data_url(logo) if logo else None
    if logo and logo_bytes is None:
        return api_error(400, "logo_not_an_image", "logo must be a base64 data: URL of a PNG, JPEG or WebP image.")
    try:
        event, moderator_key = await debate.create_event(title, propositions, allow_neutral, language, premoderation,
                                                         perspectives, min_group, accent, logo_bytes)
    except ValidationError as error:
        return api_error(400, f"{error.field}_{error.code}", f"Invalid {error.field}: {error.code}.")
    return JSONResponse({"code": event.code, "moderator_key": moderator_key,
                         "urls": event_urls(base_url(request), event.code, moderator_key)}, status_code=201)


async def api_results(request: Request) -> Response:
    event = await _event_from_path(request)
    if event is None:
        return api_error(404, "unknown_event", "There is no event with this code.")
    return JSONResponse(await _debate(request).results(event))


async def healthz(request: Request) -> Response:
    if await request.state.debate.store.ping():
        return JSONResponse({"redis": "ok"})
    return JSONResponse({"redis": "unavailable"}, status_code=503)


async def rule_broken(request: Request, exc: RuleError) -> Response:
    """Page handlers raise RuleError("rate_limited") from find_event."""
    if request.url.path.startswith("/api/"):
        return api_error(429, "rate_limited", "Too many attempts with unknown codes. Wait a minute.")
    return too_many_attempts(request)


async def store_unavailable(request: Request, exc: StoreUnavailable) -> Response:
    log.warning("Redis unavailable during %s %s: %s", request.method, request.url.path, exc)
    if request.url.path.startswith("/api/"):
        return api_error(503, "retry_later", "The data store is not reachable. Try again shortly.")
    i18n.current_language.set(_language(request))
    return render(request, "error.html", {"status": 503, "message": i18n.gettext(
        "The server is briefly unavailable. Please try again in a moment.")}, status_code=503)


# --- results and organiser -------------------------------------------------------------

async def _may_see_results(request: Request, event: Event) -> bool:
    """Moderators of the event and organisers (admin) may open the report."""
    debate = _debate(request)
    if await debate.moderator_session_valid(event.code, request.cookies.get(moderator_cookie(event.code))):
        return True
    if await debate.admin_session_valid(request.cookies.get(ADMIN_COOKIE)):
        return True
    key = bearer(request.headers.get("authorization"))
    return await debate.moderator_key_valid(event.code, key) or await debate.is_admin(key)


async def results_report(request: Request) -> Response:
    event = await _event_from_path(request)
    if event is None:
        return not_found(request)
    if not await _may_see_results(request, event):
        return RedirectResponse(f"/moderate/{event.code}", status_code=303)
    i18n.current_language.set(_language(request, event))
    results = await _debate(request).results(event)
    response = render(request, "results.html", {
        "event": event, "results": results, "csv_url": f"/api/events/{event.code}/results.csv",
        "questions_csv_url": f"/api/events/{event.code}/questions.csv",
        "generated_at": format_datetime(datetime.now(timezone.utc), format="medium", locale=i18n.current_language.get(),
                                        tzinfo=None),
    }, event=event)
    response.headers["Cache-Control"] = "no-store"
    return response


def _csv(rows: list[list], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        # Cells that a spreadsheet would run as a formula are quoted (CSV injection).
        writer.writerow([f"'{cell}" if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@") else cell
                         for cell in row])
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def api_results_csv(request: Request) -> Response:
    event = await _event_from_path(request)
    if event is None:
        return api_error(404, "unknown_event", "There is no event with this code.")
    results = await _debate(request).results(event)
    rows = [["proposition", "text", "round", "group", "agree", "disagree", "neutral", "voters", "manual_agree",
             "manual_disagree", "manual_neutral", "marker", "shift_pp", "note"]]
    for proposition in results["propositions"]:
        for round_, figures in proposition["rounds"].items():
            manual = figures["manual"] or {}
            shift = proposition["shift"]["total"] if proposition["shift"] and round_ == "2" else ""
            rows.append([proposition["id"], proposition["text"], round_, "total", *figures["counts"].values(),
                         figures["voters"], manual.get("agree", ""), manual.get("disagree", ""),
                         manual.get("neutral", ""), figures["marker"] or "", shift, ""])
            if figures["equal_weight"]:
                rows.append([proposition["id"], proposition["text"], round_, "equal_weight",
                             *figures["equal_weight"].values(), "", "", "", "", "", "", "percent"])
            for name, group in figures["by_perspective"].items():
                group_shift = ""
                if proposition["shift"] and round_ == "2":
                    value = proposition["shift"]["by_perspective"].get(name)
                    group_shift = "" if value is None else value
                if group is None:
                    rows.append([proposition["id"], proposition["text"], round_, name, "", "", "", "", "", "", "",
                                 "", group_shift, "too few votes"])
                else:
                    rows.append([proposition["id"], proposition["text"], round_, name, *group["counts"].values(),
                                 group["voters"], "", "", "", "", group_shift, ""])
    return _csv(rows, f"results-{event.code}.csv")


async def api_questions_csv(request: Request) -> Response:
    event = await _event_from_path(request)
    if event is None:
        return api_error(404, "unknown_event", "There is no event with this code.")
    results = await _debate(request).results(event)
    rows = [["id", "text", "name", "votes", "status", "to"]]
    rows += [[q["id"], q["text"], q["name"] or "", q["votes"], q["status"], q["to"] or ""] for q in results["questions"]]
    return _csv(rows, f"questions-{event.code}.csv")


async def api_export(request: Request) -> Response:
    """The organiser's raw export: small groups included and marked, every question."""
    debate = _debate(request)
    if not await debate.is_admin(bearer(request.headers.get("authorization"))) and not \
            await debate.admin_session_valid(request.cookies.get(ADMIN_COOKIE)):
        return api_error(401, "unauthorized", "The admin password is required.")
    event = await _event_from_path(request)
    if event is None:
        return api_error(404, "unknown_event", "There is no event with this code.")
    return JSONResponse({**await debate.results(event, raw=True),
                         "note": "Raw export: groups under min_group are included and marked withheld=true."})


async def api_definition(request: Request) -> Response:
    event = await _event_from_path(request)
    if event is None:
        return api_error(404, "unknown_event", "There is no event with this code.")
    if not await _may_see_results(request, event):
        return api_error(401, "unauthorized", "The moderator key or admin password is required.")
    return JSONResponse(await _debate(request).definition(event), headers={
        "Content-Disposition": f'attachment; filename="event-{event.code}.json"'})


async def events_page(request: Request) -> Response:
    debate = _debate(request)
    signer = await debate.signer()
    if request.method == "POST":
        form = await request.form(**FORM_LIMITS)
        i18n.current_language.set(_language(request))
        if signer.csrf_valid(form.get("csrf")) and await debate.is_admin(form.get("password")):
            response = RedirectResponse("/events", status_code=303)
            _set_cookie(request, response, ADMIN_COOKIE, await debate.admin_session(), max_age=None,
                        samesite="strict")
            return response
        return render(request, "events.html", {"authenticated": False, "events": [], "csrf_token": signer.csrf_token(),
                                               "error": i18n.gettext("This password is not right.")},
                      status_code=401)
    if not await debate.admin_session_valid(request.cookies.get(ADMIN_COOKIE)):
        return render(request, "events.html", {"authenticated": False, "events": [], "error": None,
                                               "csrf_token": signer.csrf_token()})
    language = _language(request)
    events = [{**e, "created": format_datetime(datetime.fromtimestamp(e["created"] / 1000, timezone.utc),
                                               format="medium", locale=language),
               "expires": format_datetime(datetime.fromtimestamp(e["expires"] / 1000, timezone.utc),
                                          format="medium", locale=language)}
              for e in await debate.list_events()]
    response = render(request, "events.html", {"authenticated": True, "events": events, "error": None,
                                               "csrf_token": signer.csrf_token()})
    response.headers["Cache-Control"] = "no-store"
    return response


async def delete_event(request: Request) -> Response:
    debate = _debate(request)
    form = await request.form(**FORM_LIMITS)
    if not (await debate.signer()).csrf_valid(form.get("csrf")) or not await debate.admin_session_valid(
            request.cookies.get(ADMIN_COOKIE)):
        return PlainTextResponse("Forbidden", status_code=403)
    event = await _event_from_path(request)
    if event is not None:
        await debate.delete_event(event)
    return RedirectResponse("/events", status_code=303)


async def events_logout(request: Request) -> Response:
    debate = _debate(request)
    form = await request.form(**FORM_LIMITS)
    if (await debate.signer()).csrf_valid(form.get("csrf")) and await debate.admin_session_valid(
            request.cookies.get(ADMIN_COOKIE)):
        await debate.log_out_admins()
    response = RedirectResponse("/events", status_code=303)
    response.delete_cookie(ADMIN_COOKIE, path="/")
    return response


async def theme(request: Request) -> Response:
    """The event's accent colour as a stylesheet (inline styles are not allowed by the CSP)."""
    event = await _event_from_path(request)
    css = f":root {{ --accent: {event.accent}; }}\n" if event is not None and event.accent else ""
    return Response(css, media_type="text/css", headers={"Cache-Control": "no-cache"})


async def logo(request: Request) -> Response:
    event = await _event_from_path(request)
    found = await _debate(request).logo(event) if event is not None else None
    if found is None:
        return Response(status_code=404)
    return Response(found[1], media_type=found[0], headers={"Cache-Control": "public, max-age=3600"})
