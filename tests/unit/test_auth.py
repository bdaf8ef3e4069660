"""Who is who, without a server: signed participant, moderator, organiser and CSRF tokens
round-trip, forged or edited ones are refused, and Origin checks (docs/test-plan.md, C4, C5, C11)."""

from __future__ import annotations

import pytest

from live import auth
from live.auth import Signer, origin_allowed, own_origin

SIGNER = Signer("test-secret")


def edited(token: str) -> str:
    """The same token with the first character of its signature changed (the last one may
    carry only padding bits, which base64 ignores)."""
    head, _, signature = token.rpartition(".")
    return f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def test_a_participant_token_round_trips_in_its_own_event():
    """A new participant token gives back the same participant id in the event it was made for."""
    participant, token = SIGNER.new_participant("ABC123")
    assert SIGNER.participant("ABC123", token) == participant


def test_a_participant_token_is_worth_nothing_in_another_event():
    """A token from event A is not a participant of event B."""
    _, token = SIGNER.new_participant("ABC123")
    assert SIGNER.participant("XYZ789", token) is None


@pytest.mark.parametrize("token", [None, "", "garbage", "x" * 201])
def test_a_missing_or_malformed_participant_token_is_no_one(token):
    """No token, nonsense, or an overlong token is no participant."""
    assert SIGNER.participant("ABC123", token) is None


def test_an_edited_or_foreign_participant_token_is_refused():
    """A token with a changed signature, or signed with another secret, is refused."""
    _, token = SIGNER.new_participant("ABC123")
    assert SIGNER.participant("ABC123", edited(token)) is None
    _, foreign = Signer("other-secret").new_participant("ABC123")
    assert SIGNER.participant("ABC123", foreign) is None


def test_a_moderator_session_round_trips_with_its_version():
    """A moderator session names its event and version; another event gets nothing."""
    cookie = SIGNER.moderator_session("ABC123", 3)
    assert SIGNER.moderator_version("ABC123", cookie) == 3
    assert SIGNER.moderator_version("XYZ789", cookie) is None


def test_a_forged_moderator_session_is_refused():
    """An edited cookie, one from another secret, a participant token or an overlong cookie is no session."""
    cookie = SIGNER.moderator_session("ABC123", 3)
    assert SIGNER.moderator_version("ABC123", edited(cookie)) is None
    assert SIGNER.moderator_version("ABC123", Signer("other").moderator_session("ABC123", 3)) is None
    assert SIGNER.moderator_version("ABC123", SIGNER.new_participant("ABC123")[1]) is None
    assert SIGNER.moderator_version("ABC123", "x" * 301) is None
    assert SIGNER.moderator_version("ABC123", None) is None


def test_an_expired_moderator_session_is_refused(monkeypatch):
    """A moderator cookie older than the session lifetime is no longer a session."""
    cookie = SIGNER.moderator_session("ABC123", 1)
    monkeypatch.setattr(auth, "MODERATOR_SESSION_SECONDS", -1)
    assert SIGNER.moderator_version("ABC123", cookie) is None


def test_the_organiser_session_is_not_a_moderator_session():
    """The organiser's cookie round-trips as admin, and is no moderator session of an event."""
    cookie = SIGNER.organiser_session(2)
    assert SIGNER.organiser_version(cookie) == 2
    assert SIGNER.moderator_version("ABC123", cookie) is None
    assert SIGNER.organiser_version(SIGNER.moderator_session("ABC123", 2)) is None


def test_csrf_tokens_round_trip_and_forgeries_are_refused():
    """A fresh CSRF token is valid; an edited one, another secret's, a session cookie or none is not."""
    token = SIGNER.csrf_token()
    assert SIGNER.csrf_valid(token)
    assert not SIGNER.csrf_valid(edited(token))
    assert not SIGNER.csrf_valid(Signer("other").csrf_token())
    assert not SIGNER.csrf_valid(SIGNER.moderator_session("ABC123", 1))
    assert not SIGNER.csrf_valid(None)
    assert not SIGNER.csrf_valid("x" * 201)


@pytest.mark.parametrize("origin, allowed", [
    (None, True),  # not a browser
    ("https://debat.example.nl", True),
    ("HTTPS://Debat.Example.NL/", True),
    ("https://extra.example.org", True),
    ("https://evil.example", False),
    ("http://debat.example.nl", False),
    ("https://debat.example.nl:8443", False),
    ("null", False),
])
def test_origin_allowed(origin, allowed):
    """Only no Origin, our own origin (any case, trailing slash) or a listed one may act here."""
    assert origin_allowed(origin, "https://debat.example.nl", ("https://extra.example.org",)) is allowed


@pytest.mark.parametrize("scheme, host, expected", [
    ("http", "127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("ws", "127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("wss", "Debat.Example.NL", "https://debat.example.nl"),
    ("https", "debat.example.nl:443", "https://debat.example.nl"),
    ("http", "debat.example.nl:80", "http://debat.example.nl"),
    ("http", "[::1]:8000", "http://[::1]:8000"),
    ("http", None, ""),
    ("http", "host:notaport", ""),
])
def test_own_origin(scheme, host, expected):
    """Our own origin from the request's scheme and Host: ws means http, default ports dropped, junk gives ''."""
    assert own_origin(scheme, host) == expected


def test_csrf_tokens_are_bound_to_their_session():
    """A token minted for an anonymous visitor, or for another session, is refused for a session's action (E16)."""
    anonymous, mine = SIGNER.csrf_token(), SIGNER.csrf_token("session-cookie-a")
    assert SIGNER.csrf_valid(mine, "session-cookie-a")
    assert not SIGNER.csrf_valid(anonymous, "session-cookie-a")
    assert not SIGNER.csrf_valid(mine, "session-cookie-b")
    assert not SIGNER.csrf_valid(mine)  # nor the other way round


def test_a_moderator_session_carries_its_own_id():
    """A device's session names its event, version and its own id; the id cannot be edited."""
    cookie = SIGNER.moderator_session("ABC123", 3, "device-1")
    assert SIGNER.moderator_claim("ABC123", cookie) == (3, "device-1")
    assert SIGNER.moderator_version("ABC123", cookie) == 3
    assert SIGNER.moderator_claim("XYZ789", cookie) is None
    assert SIGNER.moderator_claim("ABC123", edited(cookie)) is None
    assert SIGNER.moderator_claim("ABC123", SIGNER.moderator_session("ABC123", 3)) == (3, None)
