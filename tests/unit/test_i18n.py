"""Complete Dutch and English catalogs: every string in the code is translated in both."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from live import i18n

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("live/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "silent": "false"}}


def source_messages() -> set[str]:
    """Every message id used in the Python code and the templates, extracted as pybabel does."""
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map=METHODS, options_map=OPTIONS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_string_is_translated_in_both_languages():
    """No string in the code is missing from a catalog, untranslated or fuzzy."""
    messages = source_messages()
    assert len(messages) > 50
    for language in i18n.LANGUAGES:
        catalog = i18n.load_catalog(language)
        missing = sorted(m for m in messages if catalog.get(m) is None)
        assert not missing, f"{language}: not in the catalog: {missing[:10]}"
        untranslated = sorted(m for m in messages if not catalog.get(m).string or catalog.get(m).fuzzy)
        assert not untranslated, f"{language}: untranslated or fuzzy: {untranslated[:10]}"


def test_dutch_is_really_dutch():
    """A sample of Dutch translations differ from the English ids (nothing copied by mistake)."""
    catalog = i18n.load_catalog("nl")
    for english in ("Voting is closed.", "This proposition does not exist."):
        assert catalog.get(english).string not in ("", english)


def test_catalogs_have_the_same_keys():
    """Neither catalog has a message the other lacks."""
    nl = {m.id if isinstance(m.id, str) else m.id[0] for m in i18n.load_catalog("nl") if m.id}
    en = {m.id if isinstance(m.id, str) else m.id[0] for m in i18n.load_catalog("en") if m.id}
    assert nl == en
