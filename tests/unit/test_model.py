"""The rules, without I/O."""

from __future__ import annotations

import pytest

from live import definition, model
from live.definition import EventDefinition
from live.errors import RuleError, ValidationError
from live.model import DebateState, Phase


def new_event(code, title, propositions, allow_neutral, language):
    given = EventDefinition(title=title, propositions=propositions, allow_neutral=allow_neutral, language=language)
    return definition.to_event(code, definition.validate(given))


def event(allow_neutral=True):
    return new_event("ABCDEF", "Debat", ["Een", "Twee", "Drie"], allow_neutral, "nl")


def test_new_event_cleans_and_numbers_propositions():
    """Blank lines are dropped, text is NFC-normalised and stripped of control characters, ids are p1..pN."""
    built = new_event("ABCDEF", "  De\u0301bat\u202e ", ["Een", "", "  ", "T\u200bwee\x00"], False, "en")
    assert built.title == "Débat"
    assert [(p.id, p.text, p.index) for p in built.propositions] == [("p1", "Een", 0), ("p2", "Twee", 1)]
    assert built.choices == ("agree", "disagree")


@pytest.mark.parametrize("title, propositions, language, field, code", [
    ("", ["a"], "nl", "title", "empty"),
    ("x" * 201, ["a"], "nl", "title", "too_long"),
    ("t", ["", " "], "nl", "propositions", "empty"),
    ("t", ["a"] * 101, "nl", "propositions", "too_many"),
    ("t", ["a" * 501], "nl", "propositions", "too_long"),
    ("t", ["a"], "fr", "language", "unknown_language"),
])
def test_new_event_rejects_bad_input(title, propositions, language, field, code):
    """Each kind of bad input names its field and reason."""
    with pytest.raises(ValidationError) as error:
        new_event("ABCDEF", title, propositions, True, language)
    assert (error.value.field, error.value.code) == (field, code)


def test_goto_open_close_reveal_hide_cycle():
    """Commands move the state forward one seq at a time; repeats change nothing."""
    e = event()
    state = DebateState()
    with pytest.raises(RuleError, match="no_proposition"):
        model.apply(e, state, "open")
    state = model.apply(e, state, "goto", "p1")
    assert (state.seq, state.current, state.status("p1").phase) == (1, "p1", Phase.WAITING)
    state = model.apply(e, state, "open")
    assert state.status("p1").phase is Phase.OPEN and state.seq == 2
    assert model.apply(e, state, "open") is None
    state = model.apply(e, state, "close")
    assert model.apply(e, state, "close") is None
    state = model.apply(e, state, "reveal")
    assert state.status("p1").revealed and state.seq == 4
    state = model.apply(e, state, "hide")
    assert not state.status("p1").revealed


def test_leaving_an_open_proposition_closes_it():
    """Only the current proposition can be open."""
    e = event()
    state = model.apply(e, model.apply(e, model.apply(e, DebateState(), "goto", "p1"), "open"), "goto", "p2")
    assert state.status("p1").phase is Phase.CLOSED and state.current == "p2"
    with pytest.raises(RuleError, match="unknown_proposition"):
        model.apply(e, state, "goto", "p9")


@pytest.mark.parametrize("raw, code", [("k7m2qx", "K7M2QX"), (" K7M-2QX ", "K7M2QX"), ("K7M2Q", None),
                                       ("K0M2QX", None), ("'; DROP", None), ("x" * 5000, None), ("К7М2QX", None)])
def test_normalize_code(raw, code):
    """Codes are case-insensitive and forgiving of spaces and dashes; anything else is no code."""
    assert definition.normalize_code(raw) == code
