"""Signing in and out: the moderator's key and session, the organiser's password and
session, and the question every protected page asks ("who is signed in here?").

Transport only: the secrets and sessions themselves are checked by `access`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from . import i18n
from .auth import ORGANISER_COOKIE, bearer, moderator_cookie
from .model import Event
from .web import FORM_LIMITS, address, base_url, event_or_404, event_urls, render, set_cookie, use_language


async def has_moderator_session(request: Request, event: Event) -> bool:
    return await request.state.access.moderator_session_valid(event.code,
                                                              request.cookies.get(moderator_cookie(event.code)))


async def organiser_signed_in(request: Request) -> bool:
    return await request.state.access.organiser_session_valid(request.cookies.get(ORGANISER_COOKIE))


async def organiser_or_bearer(request: Request) -> bool:
    """The organiser, by session cookie or by the password as a Bearer token."""
    access = request.state.access
    return await access.is_organiser(bearer(request.headers.get("authorization")), address(request)) or \
        await organiser_signed_in(request)


async def may_see_results(request: Request, event: Event) -> bool:
    """Moderators of the event and organisers may open the report (by session or Bearer key)."""
    access = request.state.access
    if await has_moderator_session(request, event) or await organiser_signed_in(request):
        return True
    return await access.results_key_valid(event.code, bearer(request.headers.get("authorization")),
                                          address(request))


async def csrf_valid(request: Request, form, session_cookie: str | None = None) -> bool:
    """The form's CSRF token, bound to the session in `session_cookie` (none: not signed in)."""
    session = request.cookies.get(session_cookie) if session_cookie else None
    return (await request.state.access.signer()).csrf_valid(form.get("csrf"), session)


# --- moderators ------------------------------------------------------------------------

async def login_page(request: Request, event: Event, wrong: bool = False) -> Response:
    use_language(request, event)
    error = i18n.gettext("This moderator key is not right.") if wrong else None
    csrf = (await request.state.access.signer()).csrf_token()
    return render(request, "login.html", {"event": event, "error": error, "csrf_token": csrf},
                  status_code=401 if wrong else 200, event=event)


async def sign_in_moderator(request: Request, event: Event) -> Response:
    """To the console, with a session cookie (a browser-session cookie, same-site only)."""
    response = RedirectResponse(f"/moderate/{event.code}", status_code=303)
    set_cookie(request, response, moderator_cookie(event.code),
               await request.state.access.moderator_session(event), max_age=None, samesite="strict")
    return response


async def moderator_login(request: Request) -> Response:
    event = await event_or_404(request)
    form = await request.form(**FORM_LIMITS)
    if not await csrf_valid(request, form) or \
            not await request.state.access.moderator_key_valid(event.code, form.get("key"), address(request)):
        return await login_page(request, event, wrong=True)
    return await sign_in_moderator(request, event)


async def moderator_logout(request: Request) -> Response:
    """This device only; `/logout-all` (everywhere) voids every session of the event."""
    event = await event_or_404(request)
    form = await request.form(**FORM_LIMITS)
    everywhere = request.url.path.endswith("/logout-all")
    if await csrf_valid(request, form, moderator_cookie(event.code)) and await has_moderator_session(request, event):
        if everywhere:
            await request.state.access.log_out_moderators(event.code)
        else:
            await request.state.access.log_out_moderator(event.code, request.cookies.get(moderator_cookie(event.code)))
    response = RedirectResponse(f"/moderate/{event.code}", status_code=303)
    response.delete_cookie(moderator_cookie(event.code), path="/")
    return response


async def rotate_moderator_key(request: Request) -> Response:
    """From a signed-in console: a new moderator key, shown once (JSON); old links stop."""
    event = await event_or_404(request)
    form = await request.form(**FORM_LIMITS)
    if not await csrf_valid(request, form, moderator_cookie(event.code)) or not await has_moderator_session(request, event):
        return JSONResponse({"error": "forbidden"}, status_code=403)
    key = await request.state.access.rotate_moderator_key(event.code)
    return JSONResponse({"moderator_key": key, "moderator": event_urls(base_url(request), event.code, key)["moderator"]},
                        headers={"Cache-Control": "no-store"})


# --- organisers ------------------------------------------------------------------------

async def organiser_login(request: Request) -> Response:
    """The password form of /events."""
    access = request.state.access
    form = await request.form(**FORM_LIMITS)
    use_language(request)
    if await csrf_valid(request, form) and await access.is_organiser(form.get("password"), address(request)):
        response = RedirectResponse("/events", status_code=303)
        set_cookie(request, response, ORGANISER_COOKIE, await access.organiser_session(), max_age=None,
                   samesite="strict")
        return response
    return render(request, "events.html", {"authenticated": False, "events": [],
                                           "csrf_token": (await access.signer()).csrf_token(),
                                           "error": i18n.gettext("This password is not right.")}, status_code=401)


async def organiser_logout(request: Request) -> Response:
    form = await request.form(**FORM_LIMITS)
    if await csrf_valid(request, form, ORGANISER_COOKIE) and await organiser_signed_in(request):
        await request.state.access.log_out_organisers()
    response = RedirectResponse("/events", status_code=303)
    response.delete_cookie(ORGANISER_COOKIE, path="/")
    return response
