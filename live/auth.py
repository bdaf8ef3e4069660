"""Who is who: participant tokens, moderator and organiser sessions, Origin checks.

Pure functions over a secret; no HTTP and no Redis here. Tokens are signed with
itsdangerous so a forged or edited token is simply not recognised.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous import Signer as ItsSigner

MODERATOR_SESSION_SECONDS = 12 * 3600
CSRF_SECONDS = 12 * 3600


def participant_cookie(code: str) -> str:
    return f"lp_{code}"


def moderator_cookie(code: str) -> str:
    return f"lm_{code}"


ORGANISER_COOKIE = "la"


class Signer:
    def __init__(self, secret: str):
        # Participant tokens are minted for every phone that joins, so they are the lean kind:
        # "<id>.<HMAC-SHA256 of event code and id>", with a key derived once (not per token).
        key = ItsSigner(secret, salt="participant-token", key_derivation="hmac",
                        digest_method=hashlib.sha256).derive_key()
        self._participant_mac = ItsSigner(key, key_derivation="none", digest_method=hashlib.sha256)
        self._participants = URLSafeSerializer(secret, salt="participant")  # tokens made before 0.5: still read
        self._moderators = URLSafeTimedSerializer(secret, salt="moderator")
        self._csrf = URLSafeTimedSerializer(secret, salt="csrf")

    # Participants: an anonymous id bound to one event, so a token from event A is
    # worth nothing in event B.
    def new_participant(self, code: str) -> tuple[str, str]:
        participant = secrets.token_urlsafe(12)
        return participant, f"{participant}.{self._participant_mac.get_signature(f'{code}:{participant}').decode()}"

    def participant(self, code: str, token: str | None) -> str | None:
        if not token or len(token) > 200:
            return None
        participant, _, signature = token.rpartition(".")
        if len(participant) == 16 and "." not in participant:
            ok = self._participant_mac.verify_signature(f"{code}:{participant}".encode(), signature.encode())
            return participant if ok else None
        try:
            event, participant = self._participants.loads(token)
        except (BadSignature, ValueError, TypeError):
            return None
        return participant if event == code and isinstance(participant, str) else None

    # Moderators: the cookie names the event, a session version kept in Redis and the
    # session's own id (one per device, kept in a set in Redis). Logging out one device
    # drops its id; logging out every device bumps the version, which revokes every
    # earlier cookie.
    def moderator_session(self, code: str, version: int, session: str | None = None) -> str:
        return self._moderators.dumps([code, version] if session is None else [code, version, session])

    def moderator_claim(self, code: str, cookie: str | None) -> tuple[int, str | None] | None:
        """(version, session id or None) of a valid cookie for this event, else None."""
        if not cookie or len(cookie) > 300:
            return None
        try:
            claim = self._moderators.loads(cookie, max_age=MODERATOR_SESSION_SECONDS)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(claim, list) or len(claim) not in (2, 3) or claim[0] != code or \
                not isinstance(claim[1], int) or (len(claim) == 3 and not isinstance(claim[2], str)):
            return None
        return claim[1], claim[2] if len(claim) == 3 else None

    def moderator_version(self, code: str, cookie: str | None) -> int | None:
        claim = self.moderator_claim(code, cookie)
        return claim[0] if claim else None

    # The organiser's session works like the moderator's: a version kept in Redis.
    # ("admin" is the name inside the signed cookie since 0.1; changing it would sign everyone out.)
    def organiser_session(self, version: int) -> str:
        return self._moderators.dumps(["admin", version])

    def organiser_version(self, cookie: str | None) -> int | None:
        return self.moderator_version("admin", cookie)

    # CSRF tokens are bound to the session they were issued to (its cookie, or none for a
    # visitor who is not signed in): a token minted for an anonymous page is worthless for
    # an organiser's or moderator's action.
    def csrf_token(self, session: str | None = None) -> str:
        return self._csrf.dumps([secrets.token_hex(8), _binding(session)])

    def csrf_valid(self, token: str | None, session: str | None = None) -> bool:
        if not token or len(token) > 200:
            return False
        try:
            _, bound = self._csrf.loads(token, max_age=CSRF_SECONDS)
        except (BadSignature, ValueError, TypeError):
            return False
        return isinstance(bound, str) and hmac.compare_digest(bound, _binding(session))


def _binding(session: str | None) -> str:
    return hashlib.sha256(session.encode()).hexdigest()[:32] if session else ""


def same_secret(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def origin_allowed(origin: str | None, own_origin: str, allowed: tuple[str, ...]) -> bool:
    """True if a request's Origin may act here: absent (not a browser), own, or listed.

    Browsers always send Origin on WebSocket handshakes and cross-site POSTs, so this
    stops cross-site WebSocket hijacking and form posts from other sites.
    """
    if origin is None:
        return True
    origin = origin.strip().rstrip("/").lower()
    if origin == own_origin.lower() or origin in (a.lower() for a in allowed):
        return True
    return False


@functools.lru_cache(maxsize=256)  # a pure function of two headers that a hall repeats 10,000 times
def own_origin(scheme: str, host: str | None) -> str:
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    host = (host or "").strip().lower()
    parts = urlsplit(f"{scheme}://{host}")
    default_port = {"http": 80, "https": 443}.get(scheme)
    try:
        port = parts.port
    except ValueError:
        return ""
    if parts.hostname is None:
        return ""
    hostname = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = hostname if port in (None, default_port) else f"{hostname}:{port}"
    return f"{scheme}://{netloc}"
