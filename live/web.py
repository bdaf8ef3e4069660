"""What every HTTP handler shares: templates, the language of a request, cookies, the
event named in the path, and the error pages and JSON errors.

Transport only: talks to the use cases and access (in the app's state); never to Redis.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.templating import Jinja2Templates

from . import chart, history, i18n, questions, results
from .definition import normalize_code
from .errors import RuleError, StoreUnavailable
from .i18n import N_
from .model import Event

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE_COOKIE = "lang"
FORM_LIMITS = {"max_files": 0, "max_fields": 20, "max_part_size": 64 * 1024}
LIMITS = {"question": questions.MAX_QUESTION, "name": questions.MAX_NAME}  # for the pages' maxlength


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.globals.update(percent=results.percent, shares=results.shares, limits=LIMITS, trend_chart=chart.trend_svg,
                       trend_perspectives=history.perspectives)
    return Jinja2Templates(env=env)


templates = make_templates()


def use_language(request: Request, event: Event | None = None) -> str:
    """The language of this request (query, cookie, the event's, Dutch), made current for gettext."""
    language = i18n.pick_language(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE),
                                  event.language if event else None)
    i18n.current_language.set(language)
    return language


def base_url(request: Request) -> str:
    configured = request.state.settings.public_url
    return configured or str(request.base_url).rstrip("/")


def event_urls(base: str, code: str, moderator_key: str) -> dict[str, str]:
    return {"audience": f"{base}/e/{code}", "projector": f"{base}/projector/{code}",
            "moderator": f"{base}/moderate/{code}?{urlencode({'key': moderator_key})}"}


def render(request: Request, name: str, context: dict, status_code: int = 200,
           event: Event | None = None) -> Response:
    language = use_language(request, event)
    other = "en" if language == "nl" else "nl"
    query = {k: v for k, v in request.query_params.items() if k not in ("lang", "key")}
    query["lang"] = other
    context = {**context, "lang": language, "other_lang": other,
               "switch_lang_url": f"{request.url.path}?{urlencode(query)}"}
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        set_cookie(request, response, LANGUAGE_COOKIE, language, max_age=365 * 86400, httponly=False)
    return response


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None,
               httponly: bool = True, samesite: str = "lax") -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=httponly, samesite=samesite,
                        secure=request.state.settings.secure_cookies, path="/")


def declared_length(request: Request) -> int | None:
    """The body's length as announced in Content-Length; None when absent or not a number."""
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def address(request: Request) -> str:
    # uvicorn has already applied X-Forwarded-For, but only from trusted proxies
    # (FORWARDED_ALLOW_IPS), so a spoofed header cannot change this.
    return request.client.host if request.client else "unknown"


async def event_in_path(request: Request) -> Event | None:
    return await request.state.access.find_event(request.path_params["code"], address(request))


async def record_or_404(request: Request) -> Event:
    """The event or the archive named by the path's code (for the figures); otherwise a 404."""
    code = normalize_code(request.path_params["code"])
    found = await request.state.report.find(code) if code else None
    if found is None:
        return await event_or_404(request)  # counts the unknown code like every lookup
    return found[0]


async def event_or_404(request: Request) -> Event:
    """The event named by the path's code; otherwise a 404 (a page, or JSON under /api/)."""
    event = await event_in_path(request)
    if event is None:
        raise HTTPException(404)
    return event


def api_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def error_page(request: Request, status: int, message: str) -> Response:
    use_language(request)
    return render(request, "error.html", {"status": status, "message": i18n.gettext(message)}, status_code=status)


async def not_found(request: Request, exc: Exception | None = None) -> Response:
    if request.url.path.startswith("/api/"):
        return api_error(404, "unknown_event", "There is no event with this code.")
    return error_page(request, 404, N_("There is no event with this code."))


async def rule_broken(request: Request, exc: RuleError) -> Response:
    """Handlers raise RuleError("rate_limited") from find_event, and RuleError("too_many_attempts")
    from a moderator key or admin password tried while its address or target is blocked."""
    if exc.code == "too_many_attempts":
        if request.url.path.startswith("/api/"):
            return api_error(429, "too_many_attempts", "Too many wrong attempts. Wait a few minutes.")
        return error_page(request, 429, N_("Too many wrong attempts. Please wait a few minutes and try again."))
    if request.url.path.startswith("/api/"):
        return api_error(429, "rate_limited", "Too many attempts with unknown codes. Wait a minute.")
    return error_page(request, 429, N_("Too many attempts with unknown codes. Please wait a minute and try again."))


async def store_unavailable(request: Request, exc: StoreUnavailable) -> Response:
    log.warning("Redis unavailable during %s %s: %s", request.method, request.url.path, exc)
    if request.url.path.startswith("/api/"):
        return api_error(503, "retry_later", "The data store is not reachable. Try again shortly.")
    return error_page(request, 503, N_("The server is briefly unavailable. Please try again in a moment."))
