"""Redis key names: every key of an event carries the prefix and the `{CODE}` hash tag, so a
Redis Cluster keeps one event on one shard."""

from __future__ import annotations

import pytest

from live.keys import Keys

CODE = "K7PX2Q"


def event_keys(keys: Keys) -> dict[str, str]:
    names = {
        "event": keys.event(CODE), "logo": keys.logo(CODE), "props": keys.props(CODE), "state": keys.state(CODE),
        "perspectives": keys.perspectives(CODE), "votes": keys.votes(CODE, "p1"), "counts": keys.counts(CODE, "p1"),
        "online": keys.online(CODE), "channel": keys.channel(CODE), "minted": keys.minted(CODE, "192.0.2.1"),
        "alerts": keys.alerts(CODE),
    }
    for part in ("meta", "data", "status", "votes", "listed", "listed_time", "all", "mine", "up", "rate"):
        names[f"q:{part}"] = keys.question(CODE, part)
    return names


@pytest.mark.parametrize("prefix", ["live", "t123x4"])
def test_every_event_key_has_the_prefix_and_the_hash_tag(prefix):
    """Each per-event key starts with `prefix:{CODE}:` (one hash slot per event, one namespace per app)."""
    for name, key in event_keys(Keys(prefix)).items():
        assert key.startswith(f"{prefix}:{{{CODE}}}:"), (name, key)
        assert key.count("{") == 1 and key.count("}") == 1, (name, key)


def test_event_keys_are_distinct():
    """No two kinds of per-event data share a key."""
    names = event_keys(Keys())
    assert len(set(names.values())) == len(names)


def test_the_channel_pattern_matches_every_event_channel():
    """The bus's pattern subscription covers each event's bell channel."""
    import fnmatch
    keys = Keys("live")
    pattern = keys.channel_pattern()
    channel = keys.channel(CODE)
    assert pattern == "live:{*}:bell"
    assert fnmatch.fnmatchcase(channel, pattern)  # braces are literal in Redis's glob, as in fnmatch


def test_event_keys_lists_every_key_of_the_event():
    """Deleting an event removes its keys by name: every per-event key is in event_keys."""
    keys = Keys("live")
    listed = set(keys.event_keys(CODE, ["p1", "p2"]))
    assert {keys.event(CODE), keys.state(CODE), keys.votes(CODE, "p2"), keys.counts(CODE, "p1"),
            keys.question(CODE, "rate"), keys.perspectives(CODE)} <= listed
    assert all(key.startswith(f"live:{{{CODE}}}:") for key in listed)


@pytest.mark.parametrize("method", ["events", "secret", "organiser_password", "organiser_session", "demo"])
def test_app_wide_keys_have_the_prefix_and_no_event_tag(method):
    """Keys of the whole app start with the prefix and name no event."""
    key = getattr(Keys("p9"), method)()
    assert key.startswith("p9:") and "{" not in key


def test_rate_limit_keys_name_the_kind_and_the_address():
    """A rate-limit window key is per kind and per address, under the prefix."""
    assert Keys("p9").limit("enumerate", "192.0.2.7") == "p9:limit:enumerate:192.0.2.7"
