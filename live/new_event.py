"""The organiser's /new form: the fields, their checks and messages, creating the event.

Transport only: talks to `access` and the use cases in the app's state; never to Redis.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from . import definition, i18n
from . import propositions as proposition_list
from .definition import EventDefinition
from .errors import ValidationError
from .i18n import N_
from .model import DEFAULT_MIN_GROUP, DEFAULT_TIME_ZONE
from .web import FORM_LIMITS, address, base_url, declared_length, error_page, event_urls, render, use_language

NEW_EVENT_FORM_LIMITS = {**FORM_LIMITS, "max_files": 1}
NEW_EVENT_FORM_MAX_BYTES = definition.MAX_LOGO_BYTES + 256 * 1024  # the logo and every text at its longest


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
        "unknown_event": i18n.gettext("There is no debate or archive with this code on this server."),
        "not_a_date": i18n.gettext("Enter a date like 2026-06-01."),
        "unknown_time_zone": i18n.gettext("Choose a time zone like Europe/Amsterdam."),
    }
    field = "propositions" if error.field == "plain" else error.field  # plain lines are given in that field
    return {field: messages.get(error.code, i18n.gettext("This is not valid."))}


async def new_event_form(request: Request) -> Response:
    access = request.state.access
    language = use_language(request)
    values = {"title": "", "propositions": "", "allow_neutral": True, "language": language,
              "premoderation": True, "perspectives": "", "min_group": DEFAULT_MIN_GROUP, "accent": ""}
    if request.method == "GET":
        return render(request, "new.html", {"values": values, "errors": {},
                                            "csrf_token": (await access.signer()).csrf_token()})
    # Refused before the body is read: nobody (signed in or not) can make the server spool
    # a huge upload to disk. Browsers always announce a form's length.
    length = declared_length(request)
    if length is None or length > NEW_EVENT_FORM_MAX_BYTES:
        return error_page(request, 411 if length is None else 413,
                          N_("The form is too large: the logo may be at most 256 KB."))
    async with request.form(**NEW_EVENT_FORM_LIMITS) as form:  # closes the uploaded file
        upload = form.get("logo")
        logo = await upload.read(definition.MAX_LOGO_BYTES + 1) if hasattr(upload, "read") else b""
    values = {"title": str(form.get("title", ""))[:2000], "propositions": str(form.get("propositions", ""))[:60000],
              "allow_neutral": form.get("allow_neutral") == "1", "language": str(form.get("language", "nl")),
              "premoderation": form.get("premoderation") == "1",
              "perspectives": str(form.get("perspectives", ""))[:2000],
              "min_group": str(form.get("min_group", DEFAULT_MIN_GROUP))[:10],
              "accent": str(form.get("accent", "")).strip()[:7],
              "wifi_name": str(form.get("wifi_name", ""))[:200], "wifi_password": str(form.get("wifi_password", ""))[:200],
              "ticketed": form.get("ticketed") == "1", "tickets": str(form.get("tickets", "0")).strip()[:10] or "0",
              **{name: str(form.get(name, "")).strip()[:200] for name in ("based_on", "series", "date")},
              "time_zone": str(form.get("time_zone", "")).strip()[:64] or DEFAULT_TIME_ZONE}
    errors: dict[str, str] = {}
    if not (await access.signer()).csrf_valid(form.get("csrf")):
        errors["form"] = i18n.gettext("The form has expired. Please try again.")
    elif not await access.is_organiser(form.get("admin_password"), address(request)):
        errors["admin_password"] = i18n.gettext("This password is not right.")
    elif not values["min_group"].strip().isdigit():
        errors["min_group"] = i18n.gettext("Enter a whole number from 1 to 1000.")
    elif not values["tickets"].isdigit() or int(values["tickets"]) > definition.MAX_TICKETS:
        errors["tickets"] = i18n.gettext("Enter a whole number from 0 to 5000.")
    else:
        given = EventDefinition(
            title=values["title"], propositions=proposition_list.propositions_from_lines(values["propositions"].splitlines()),
            allow_neutral=values["allow_neutral"], language=values["language"],
            premoderation=values["premoderation"], perspectives=values["perspectives"].splitlines(),
            min_group=int(values["min_group"]), accent=values["accent"] or None,
            wifi_name=values["wifi_name"] or None, wifi_password=values["wifi_password"] or None,
            ticketed=values["ticketed"], tickets=int(values["tickets"]) if values["ticketed"] else 0,
            based_on=values["based_on"] or None, series=values["series"] or None, date=values["date"] or None,
            time_zone=values["time_zone"])
        try:
            event, moderator_key = await request.state.debate.create_event(given, logo or None)
        except ValidationError as error:
            errors = _field_errors(error)
        else:
            return render(request, "created.html", {"event": event, "moderator_key": moderator_key,
                                                    "urls": event_urls(base_url(request), event.code, moderator_key)})
    return render(request, "new.html", {"values": values, "errors": errors,
                                        "csrf_token": (await access.signer()).csrf_token()}, status_code=400)
