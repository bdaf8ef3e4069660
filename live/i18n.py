"""One translation mechanism for every user-facing string: Babel catalogs + Jinja2 i18n.

Message ids are English. `live/locale/<lang>/LC_MESSAGES/messages.po` holds each
language; the catalogs are compiled in memory at start-up, so there is no build step.
Strings for the browser's scripts are rendered by the templates into a JSON block, so
JavaScript never carries user-facing text of its own.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from .model import LANGUAGES

DEFAULT_LANGUAGE = "nl"
LOCALE_DIR = Path(__file__).parent / "locale"

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


def load_catalog(language: str):
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


def _compile(language: str) -> Translations:
    buffer = io.BytesIO()
    write_mo(buffer, load_catalog(language))
    buffer.seek(0)
    return Translations(buffer)


_translations = {language: _compile(language) for language in LANGUAGES}


def translations(language: str | None = None) -> Translations:
    return _translations[language or current_language.get()]


def N_(message: str) -> str:
    """Marks a message for extraction where it is translated later (gettext at use)."""
    return message


def gettext(message: str) -> str:
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ngettext(singular, plural, n)


def pick_language(*candidates: str | None) -> str:
    """The first supported language among the candidates (query, cookie, event default)."""
    for candidate in candidates:
        if candidate and candidate[:2].lower() in LANGUAGES:
            return candidate[:2].lower()
    return DEFAULT_LANGUAGE
