"""Configuration from the environment. No logic beyond parsing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip().rstrip("/") for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    # Where Redis lives. Empty: the run command starts an embedded Redis in data_dir.
    redis_url: str = ""
    # auto: ask the server whether it is a node of a Redis Cluster; 1: a cluster; 0: standalone.
    redis_cluster: str = "auto"
    # A vote is acknowledged once this many replicas have it (WAIT), waiting at most redis_wait_ms.
    redis_wait_replicas: int = 0
    redis_wait_ms: int = 100
    data_dir: str = "data"
    key_prefix: str = "live"
    # Signs participant tokens and moderator sessions. Empty: generated once and kept in
    # Redis, so every worker and every restart agree on it.
    secret_key: str = ""
    # The organiser's password: guards /new, /events and POST /api/events. Empty:
    # generated once, kept in Redis, printed. (Read from LIVE_ADMIN_PASSWORD.)
    organiser_password: str = ""
    # Origins besides the app's own that may open WebSockets and post forms.
    allowed_origins: tuple[str, ...] = ()
    # Base URL printed and shown on the projector (e.g. https://debat.example.nl).
    public_url: str = ""
    # Host names besides LIVE_PUBLIC_URL's and loopback that requests may name (DNS
    # rebinding); "*" allows any.
    extra_hosts: tuple[str, ...] = ()
    retention_days: int = 90
    # Cookies get the Secure flag; set when served over HTTPS.
    secure_cookies: bool = False
    # Largest WebSocket message a client may send, in bytes.
    max_message_bytes: int = 4096
    load_demo: bool = True
    # Days after the event (its date, or the day it was created if later) that it is
    # reduced to its archive (docs/privacy.md).
    archive_after_days: int = 30
    # How often each worker tries the retention pass (one at a time, under a lock held at most
    # archive_lock_seconds).
    archive_every_seconds: float = 3600
    archive_lock_seconds: int = 600
    # Moves the retention pass's clock (ms): for drills and tests, never for a real evening.
    clock_offset_ms: int = 0
    # Fault tests only: stop a reduction between writing the archive and deleting the event.
    fault_pause_archive: bool = False

    @property
    def allowed_hosts(self) -> list[str]:
        """The Host names requests may carry: LIVE_PUBLIC_URL's, loopback, LIVE_ALLOWED_HOSTS."""
        public = urlsplit(self.public_url).hostname if self.public_url else None
        return [*([public] if public else []), "localhost", "127.0.0.1", *self.extra_hosts]

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        return cls(
            redis_url=env.get("REDIS_URL", ""),
            redis_cluster=env.get("LIVE_REDIS_CLUSTER", "auto").lower(),
            redis_wait_replicas=int(env.get("LIVE_REDIS_WAIT_REPLICAS", "0")),
            redis_wait_ms=int(env.get("LIVE_REDIS_WAIT_MS", "100")),
            data_dir=env.get("LIVE_DATA_DIR", "data"),
            key_prefix=env.get("LIVE_KEY_PREFIX", "live"),
            secret_key=env.get("LIVE_SECRET_KEY", ""),
            organiser_password=env.get("LIVE_ADMIN_PASSWORD", ""),
            allowed_origins=_split(env.get("LIVE_ALLOWED_ORIGINS", "")),
            public_url=env.get("LIVE_PUBLIC_URL", "").rstrip("/"),
            extra_hosts=_split(env.get("LIVE_ALLOWED_HOSTS", "")),
            retention_days=int(env.get("LIVE_RETENTION_DAYS", "90")),
            secure_cookies=env.get("LIVE_SECURE_COOKIES", "").lower() in {"1", "true", "yes"},
            max_message_bytes=int(env.get("LIVE_MAX_MESSAGE_BYTES", "4096")),
            load_demo=env.get("LIVE_DEMO", "1").lower() not in {"0", "false", "no"},
            archive_after_days=int(env.get("LIVE_ARCHIVE_AFTER_DAYS", "30")),
            archive_every_seconds=float(env.get("LIVE_ARCHIVE_EVERY_SECONDS", "3600")),
            archive_lock_seconds=int(env.get("LIVE_ARCHIVE_LOCK_SECONDS", "600")),
            clock_offset_ms=int(env.get("LIVE_CLOCK_OFFSET_MS", "0")),
            fault_pause_archive=env.get("LIVE_FAULT_PAUSE_ARCHIVE", "") == "1",
        )
