"""Every Redis key and channel name, in one place.

All keys of one event share the hash tag `{CODE}`, so a Redis Cluster keeps an event on
one shard and its Lua scripts stay single-slot. Every per-event key expires with the
event: at the event's own `expires_at` (created + retention, default 90 days), which
every script and transaction that writes a per-event key is given. The one exception is
an event's archive (P:{C}:archive), kept until the organiser deletes it (docs/privacy.md).

| key                          | type | holds                                                      |
|------------------------------|------|------------------------------------------------------------|
| P:{C}:event                  | hash | title, language, allow_neutral, propositions (JSON: id, text,|
|                              |      | earlier, previous {code, proposition}), perspectives (JSON),|
|                              |      | time_zone (IANA name), moderator_key, session_version,      |
|                              |      | created, expires_at (ms), series, date,                     |
|                              |      | ticketed ("1": only ticket holders vote, ask, declare)      |
| P:{C}:props                  | hash | proposition id -> text (lets the vote script check ids)    |
| P:{C}:logo                   | string | "<content type>;<base64 image>" (optional)               |
| P:{C}:state                  | hash | seq, current, phase:<id>, revealed:<id>, round:<id>        |
| P:{C}:perspectives          | hash | participant -> index (1-based) of their declared perspective|
| P:{C}:channels               | hash | participant -> "stream": identities that first joined through |
|                              |      | the stream's link (set once, when minted); the hall is absence |
| P:{C}:votes:<id>             | hash | "<round>:<participant>" -> "<choice>" or "<choice>:<index>" |
|                              |      | (the voter's perspective; frozen when voting closes)       |
| P:{C}:counts:<id>            | hash | "<round>:<choice>" and "<round>:<choice>:<index>" -> phones,|
|                              |      | "f<round>:<choice>" -> the part from flagged identities,    |
|                              |      | "s<round>:<choice>" -> the part from stream identities,     |
|                              |      | "m<round>:<choice>[:<index>]" -> hand counts (whole hall or |
|                              |      | one perspective), read only by store/votes.py `tally_from` |
|                              |      | "v" -> version (bumped on every change)                    |
| P:{C}:online                 | hash | worker id -> "<connected phones>:<expires ms>"             |
| P:{C}:monline                | hash | worker id -> "<moderator sockets>:<expires ms>"            |
| P:{C}:msessions              | set  | ids of the moderator sessions signed in (one per device)   |
| P:{C}:q:meta                 | hash | next (question id counter), v (questions version),         |
|                              |      | pinned (question id), premoderation ("1"/"0")              |
| P:{C}:q:data                 | hash | question id -> JSON {text, name, author, created}          |
| P:{C}:q:status               | hash | question id -> waiting / visible / answered / rejected      |
| P:{C}:q:votes                | zset | question id -> upvotes (every question)                     |
| P:{C}:q:listed               | zset | visible and answered question ids -> upvotes (ranking)      |
| P:{C}:q:listed_time          | zset | visible and answered question ids -> created (ms)           |
| P:{C}:q:all                  | zset | every question id -> created (ms), the moderator's queue    |
| P:{C}:q:mine                 | zset | "<participant>:<question id>", score 0 (lex ranges)        |
| P:{C}:q:up                   | set  | "<question id>:<participant>", one per upvote              |
| P:{C}:q:rate                 | hash | participant -> "<asks>:<window start ms>"                   |
| P:{C}:bell                   | pub/sub channel: state, tally and questions notices        |
| P:events                     | zset | event code -> created (ms), for listing                    |
| P:secret, P:admin-password   | string | generated once when not given in the environment (no TTL) |
| P:admin-session              | string | organiser session version; logging out bumps it (no TTL)   |
|                              |        | (the organiser's keys keep their 0.1 names, so an upgrade |
|                              |        | keeps a generated password)                                |
| P:limit:<kind>:<address>     | string | requests in the current window (expires with the window)   |
| P:fail:<kind>:<address>      | hash | n (wrong secrets from one address: "moderator", "organiser"),|
|                              |      | until (ms; tries refused before then); 15 min after the last |
| P:{C}:fail:moderator         | hash | the same for wrong moderator keys of one event, any address |
| P:fail:organiser             | hash | the same for wrong admin passwords, any address             |
| P:{C}:minted:<address>       | string | identities minted from one address this minute (60 s TTL)  |
| P:{C}:ids                    | hash | participant -> "<page or socket>:<minted ms>": how it came |
|                              |      | (at most 100,000 per event, access.IDENTITY_RECORDS)        |
| P:{C}:flagged                | hash | participant -> "<pattern>:<ms>": identities that look minted to vote |
| P:{C}:tickets                | hash | ticket -> participant who redeemed it, or "" (unused);    |
|                              |      | the event hash's "ticketed" = "1" makes them required      |
| P:{C}:holders                | hash | participant -> the ticket it presented (one each)          |
| P:{C}:audit                  | list | JSON lines of recorded moderator actions, newest first     |
|                              |      | (exclude_flagged on/off; at most 1,000)                    |
| P:{C}:quick                  | string | socket-only identities that voted and left quickly, this minute |
| P:{C}:alerts                 | hash | pattern name -> highest count seen (TTL); none is raised by |
|                              |      | address since issue 13 (minted stays unused for now)        |
| P:demo                       | string | the demo event's code (no TTL)                              |
| P:{C}:archive                | hash | meta (JSON: title, date, series, archived_at, counts), data   |
|                              |      | (JSON: the archive document, docs/privacy.md), complete "1";  |
|                              |      | written in one HSET, so a reader sees all of it or none; no TTL |
| P:archives                   | zset | archived event code -> created (ms), for listing (no TTL)    |
| P:series:{S}                 | zset | event code -> created (ms): the events of series S (the name |
|                              |      | as definition.series_key makes it); its own slot (no TTL)     |
| P:series                     | hash | series key -> series name (no TTL)                           |
| P:lock:archiver              | string | the worker running the retention pass (SET NX PX: expires)  |

Series keys never share a transaction or script with an event's keys (other slots on a
cluster): the events of a series are read one by one.
"""

from __future__ import annotations

QUESTION_PARTS = ("meta", "data", "status", "votes", "listed", "listed_time", "all", "mine", "up", "rate")


class Keys:
    def __init__(self, prefix: str = "live"):
        self.prefix = prefix

    def _event(self, code: str) -> str:
        return f"{self.prefix}:{{{code}}}"

    def event(self, code: str) -> str:
        return f"{self._event(code)}:event"

    def logo(self, code: str) -> str:
        return f"{self._event(code)}:logo"

    def props(self, code: str) -> str:
        return f"{self._event(code)}:props"

    def state(self, code: str) -> str:
        return f"{self._event(code)}:state"

    def perspectives(self, code: str) -> str:
        return f"{self._event(code)}:perspectives"

    def channels(self, code: str) -> str:
        return f"{self._event(code)}:channels"

    def votes(self, code: str, proposition: str) -> str:
        return f"{self._event(code)}:votes:{proposition}"

    def counts(self, code: str, proposition: str) -> str:
        return f"{self._event(code)}:counts:{proposition}"

    def online(self, code: str) -> str:
        return f"{self._event(code)}:online"

    def moderators_online(self, code: str) -> str:
        return f"{self._event(code)}:monline"

    def moderator_sessions(self, code: str) -> str:
        return f"{self._event(code)}:msessions"

    def question(self, code: str, part: str) -> str:
        """One of the question keys above (QUESTION_PARTS)."""
        return f"{self._event(code)}:q:{part}"

    def questions(self, code: str, *parts: str) -> list[str]:
        """Question keys in the order given (every part, in QUESTION_PARTS order, by default)."""
        return [self.question(code, part) for part in parts or QUESTION_PARTS]

    def event_keys(self, code: str, proposition_ids) -> list[str]:
        """Every key an event owns (known by name: deleting an event needs no SCAN)."""
        keys = [self.event(code), self.props(code), self.state(code), self.online(code), self.perspectives(code),
                self.channels(code),
                self.logo(code), self.alerts(code), self.event_failures(code), self.identities(code),
                self.flagged(code), self.quick(code), self.tickets(code), self.holders(code), self.audit(code), self.moderator_sessions(code), self.moderators_online(code),
                *self.questions(code)]
        for proposition in proposition_ids:
            keys += [self.votes(code, proposition), self.counts(code, proposition)]
        return keys

    def event_pattern(self, code: str) -> str:
        """A SCAN pattern for every key of one event (codes have no glob characters)."""
        return f"{self._event(code)}:*"

    def channel(self, code: str) -> str:
        return f"{self._event(code)}:bell"

    def channel_pattern(self) -> str:
        return f"{self.prefix}:{{*}}:bell"

    def events(self) -> str:
        return f"{self.prefix}:events"

    def secret(self) -> str:
        return f"{self.prefix}:secret"

    def organiser_password(self) -> str:
        return f"{self.prefix}:admin-password"

    def organiser_session(self) -> str:
        return f"{self.prefix}:admin-session"

    def limit(self, kind: str, address: str) -> str:
        return f"{self.prefix}:limit:{kind}:{address}"

    def failures(self, kind: str, address: str) -> str:
        return f"{self.prefix}:fail:{kind}:{address}"

    def event_failures(self, code: str) -> str:
        return f"{self._event(code)}:fail:moderator"

    def organiser_failures(self) -> str:
        return f"{self.prefix}:fail:organiser"

    def minted(self, code: str, address: str) -> str:
        return f"{self._event(code)}:minted:{address}"

    def identities(self, code: str) -> str:
        return f"{self._event(code)}:ids"

    def flagged(self, code: str) -> str:
        return f"{self._event(code)}:flagged"

    def tickets(self, code: str) -> str:
        return f"{self._event(code)}:tickets"

    def holders(self, code: str) -> str:
        return f"{self._event(code)}:holders"

    def audit(self, code: str) -> str:
        return f"{self._event(code)}:audit"

    def quick(self, code: str) -> str:
        return f"{self._event(code)}:quick"

    def alerts(self, code: str) -> str:
        return f"{self._event(code)}:alerts"

    def demo(self) -> str:
        return f"{self.prefix}:demo"

    def archive(self, code: str) -> str:
        return f"{self._event(code)}:archive"

    def archives(self) -> str:
        return f"{self.prefix}:archives"

    def series(self, key: str) -> str:
        return f"{self.prefix}:series:{{{key}}}"

    def series_names(self) -> str:
        return f"{self.prefix}:series"

    def archiver_lock(self) -> str:
        return f"{self.prefix}:lock:archiver"
