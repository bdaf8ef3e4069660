"""CI-sized runs of the load generator (bench/): correctness under load, never speed.

A few hundred phones over the real protocol; every figure the full-size benchmark reports
is produced, and nothing is lost. Timeouts are generous, so a loaded CI machine is slower
but not failing.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from bench.loadtest import BareControl, LiveControl, LoadTest, display_delays
from bench.servers import ADMIN_PASSWORD, BareServer, LiveServer
from bench.wsclient import WebSocket, frame

TIMEOUT = 120  # the whole run; it takes a few seconds on an idle machine


async def drive(url: str, control, server=None, phones: int = 300, **options) -> dict:
    test = LoadTest(url, control, server, phones, window=options.get("window", 2.0), change_share=0.2,
                    flood=options.get("flood", 1.0), concurrency=50)
    try:
        return await asyncio.wait_for(test.execute(), TIMEOUT)
    finally:
        await test.aclose()


def assert_nothing_lost(report: dict, phones: int) -> None:
    assert report["connect"]["phones"] == phones
    assert report["errors"] == {}
    for name, check in report["checks"].items():
        assert check["stored"] == check["expected"], name
        assert check["lost"] == check["extra"] == check["unacked"] == 0, name
        assert sum(check["expected"].values()) == phones, name  # every phone's last vote counts once
    assert report["lost"] == 0 and report["ok"]


async def test_a_hall_of_phones_loses_no_vote(server):
    """300 phones vote within 2 s, a fifth change their vote, then all vote flat out for 1 s:
    the stored tally, the moderator's and the projector's all equal the acked votes, and every
    latency figure is produced."""
    report = await drive(server.url, LiveControl(server.url, ADMIN_PASSWORD))
    assert_nothing_lost(report, 300)
    assert all(check["screens_agree"] for check in report["checks"].values())
    paced = report["paced"]
    assert paced["changes"] > 0 and paced["votes"] == 300 + paced["changes"]
    for figure in ("ack_ms", "projector_ms", "moderator_ms"):
        assert paced[figure]["p50"] is not None and paced[figure]["p99"] is not None, figure
    assert paced["projector_ms"]["never_shown"] == paced["moderator_ms"]["never_shown"] == 0
    assert paced["projector_tallies_per_s"] > 0 and paced["messages_per_vote"] >= 1
    assert report["reveal_fanout_ms"] is not None  # every phone got the revealed counts
    assert report["flood"]["votes"] >= 300 and report["flood"]["votes_per_s"] > 0


@pytest.mark.slow
async def test_two_workers_in_their_own_processes():
    """`python -m live --workers 2` as a user starts it: tallies cross the workers exactly,
    and memory and CPU are read from /proc for both workers and Redis."""
    server = await LiveServer(workers=2).start()
    try:
        assert len(server.pids["app"]) == 2 and len(server.pids["redis"]) == 1
        report = await drive(server.url, LiveControl(server.url, ADMIN_PASSWORD), server, phones=200)
    finally:
        await server.stop()
    assert_nothing_lost(report, 200)
    assert report["idle"]["kib_per_phone"] > 0
    assert len(report["paced"]["cpu"]["app"]["per_process_cores"]) == 2
    assert report["paced"]["server_cpu_ms_per_vote"] is not None
    assert not any(os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z"
                   for pids in server.pids.values() for pid in pids)


@pytest.mark.slow
@pytest.mark.parametrize("kind,batched", [("starlette", False), ("websockets", True)])
async def test_bare_baselines_count_exactly(kind, batched):
    """The bare baselines store every vote the way live does, so ratios compare like with like."""
    server = await BareServer(kind, batched).start()
    try:
        report = await drive(server.url, BareControl(server.redis_url), server, phones=100)
    finally:
        await server.stop()
    assert_nothing_lost(report, 100)
    assert report["paced"]["ack_ms"]["p99"] is not None


def test_client_frames_are_masked():
    """A client frame carries a mask, and unmasking gives back the payload, for every length encoding."""
    for size, header in ((5, 2), (300, 4), (70_000, 10)):
        payload = os.urandom(size)
        data = frame(0x1, payload)
        assert data[0] == 0x81 and data[1] & 0x80
        key, body = data[header:header + 4], data[header + 4:]
        assert bytes(b ^ key[i % 4] for i, b in enumerate(body)) == payload


async def test_server_frames_are_parsed_across_reads_and_fragments():
    """Server frames split over several reads, and a message in fragments, arrive whole and in order."""
    received = []

    class Probe(WebSocket):
        def on_message(self, payload):
            received.append(payload)

    probe = Probe("h", "/")
    probe._upgraded = True
    long = b"x" * 300
    stream = (bytes([0x81, 5]) + b"hello" + bytes([0x81, 126]) + len(long).to_bytes(2, "big") + long
              + bytes([0x01, 3]) + b"abc" + bytes([0x80, 3]) + b"def")
    for i in range(0, len(stream), 7):
        probe.data_received(stream[i:i + 7])
    assert received == [b"hello", long, b"abcdef"]


def test_display_delay_is_measured_against_the_cumulative_count():
    """The k-th vote sent is shown once a displayed count reaches k; votes never reached are counted."""
    delays, missing = display_delays([0.0, 1.0, 2.0], [(0.5, 1), (2.5, 3)])
    assert delays == [0.5, 1.5, 0.5] and missing == 0
    assert display_delays([0.0, 1.0], [(0.5, 1)]) == ([0.5], 1)
