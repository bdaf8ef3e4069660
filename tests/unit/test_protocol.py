"""`commands.parse` without a server: every refused frame gets its typed error code
(docs/test-plan.md, A7-A13), and a good frame becomes its command."""

from __future__ import annotations

import pytest

from live import commands
from live.commands import parse
from live.errors import ProtocolError


def refusal(role: str, frame: str | bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        parse(role, frame)
    return caught.value


def test_a_good_vote_becomes_its_command():
    """A well-formed vote decodes into a Vote with its fields and id."""
    kind, command = parse("audience", '{"type": "vote", "proposition": "p1", "choice": "agree", "id": "m1"}')
    assert kind == "vote"
    assert isinstance(command, commands.Vote)
    assert (command.proposition, command.choice, command.id) == ("p1", "agree", "m1")


def test_duplicate_keys_are_refused():
    """Two equal keys in one object are a bad_message carrying the id, never 'the last one wins'."""
    error = refusal("audience", '{"type": "vote", "proposition": "p1", "choice": "agree", "choice": "disagree", "id": 4}')
    assert (error.code, error.message_id) == ("bad_message", 4)


def test_duplicate_keys_in_a_nested_object_are_refused():
    """Duplicate keys deeper down (a moderator's hand counts) are refused as well."""
    frame = '{"type": "hand_count", "proposition": "p1", "counts": {"agree": 1, "agree": 900}}'
    assert refusal("moderator", frame).code == "bad_message"


def test_an_unknown_type_is_unknown_type():
    """A type that no role knows is unknown_type, with the message's id."""
    error = refusal("audience", '{"type": "' + "v" * 3000 + '", "id": "x"}')
    assert (error.code, error.message_id) == ("unknown_type", "x")


@pytest.mark.parametrize("role, kind", [("audience", "open"), ("projector", "vote"), ("projector", "reveal"),
                                        ("moderator", "vote"), ("audience", "hand_count")])
def test_a_type_of_another_role_is_not_allowed(role, kind):
    """A command that exists, but for another role, is not_allowed (not unknown_type)."""
    assert refusal(role, '{"type": "' + kind + '", "id": 1}').code == "not_allowed"


@pytest.mark.parametrize("frame", ["NaN", "{", "", '{"type": "vote"', b"\xff\xfe", '{"type": "vote",}'])
def test_what_is_not_json_is_bad_json(frame):
    """A frame that is not JSON at all is bad_json."""
    assert refusal("audience", frame).code == "bad_json"


def test_a_lone_surrogate_escape_is_invalid_text():
    """A \\uD800 escape with no partner is invalid_text: the text is the problem, not the JSON."""
    assert refusal("audience", '{"type": "ask", "text": "hallo \\ud800"}').code == "invalid_text"


@pytest.mark.parametrize("frame", [
    '{"type": "vote", "proposition": "p1", "choice": "maybe", "id": "m9"}',
    '{"type": "vote", "proposition": "", "choice": "agree", "id": "m9"}',
    '{"type": "vote", "choice": "agree", "id": "m9"}',
    '{"type": "open", "round": 3, "id": "m9"}',
])
def test_a_bad_field_is_bad_message_carrying_the_id(frame):
    """A known type with a missing or invalid field is bad_message, and the error names the message's id."""
    role = "moderator" if '"open"' in frame else "audience"
    error = refusal(role, frame)
    assert (error.code, error.message_id) == ("bad_message", "m9")


@pytest.mark.parametrize("frame", ['{"id": 1}', '[]', '"vote"', '{"type": 5}', '{"type": "vote", "id": {}}',
                                   '{"type": "vote", "id": ' + "9" * 3000 + "}", "1e999"])
def test_an_envelope_without_a_usable_type_or_id_is_bad_message(frame):
    """Valid JSON that is no message (no string type, an id that is neither short text nor a safe integer) is bad_message."""
    assert refusal("audience", frame).code == "bad_message"


def test_smuggled_fields_are_ignored():
    """Fields a command does not have (participant, role, event) are not read: the vote is the phone's own."""
    _, command = parse("audience", '{"type": "vote", "proposition": "p1", "choice": "agree", '
                                   '"participant": "someone-else", "role": "moderator", "event": "OTHER1"}')
    assert not hasattr(command, "participant") and not hasattr(command, "role")


def test_deep_nesting_is_refused_without_crashing():
    """1500 nested arrays in an unknown field give a typed error, never a RecursionError."""
    frame = '{"type": "vote", "proposition": "p1", "choice": "agree", "x": ' + "[" * 1500 + "]" * 1500 + "}"
    assert refusal("audience", frame).code in ("bad_json", "bad_message")
