"""Processes read from /proc (no psutil): who descends from whom, command lines, memory,
CPU time, descriptors. Used by bench and by the fault tests."""

from __future__ import annotations

import os

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command name (which may hold spaces and
    parentheses: they follow the last ')'); fields[0] is the state, fields[1] the ppid."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def parents() -> dict[int, int]:
    """Every process of the machine and its parent."""
    found: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found[int(entry)] = int(_stat_fields(entry)[1])
            except (OSError, IndexError, ValueError):
                continue
    return found


def children_of(pid: int) -> list[int]:
    """Direct children of a process."""
    return [child for child, parent in parents().items() if parent == pid]


def children(pid: int) -> list[int]:
    """Every descendant of `pid`."""
    table = parents()
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in table.items() if pp == parent]
        found += kids
        frontier += kids
    return found


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def rss_kib(pid: int) -> int:
    """Resident memory in KiB."""
    with open(f"/proc/{pid}/status") as f:
        return next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)


def usage(pid: int) -> tuple[int, float]:
    """(resident memory in KiB, CPU seconds used so far: user + system)."""
    fields = _stat_fields(pid)
    return rss_kib(pid), (int(fields[11]) + int(fields[12])) / TICKS


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie)."""
    try:
        return _stat_fields(pid)[0] != "Z"
    except (OSError, IndexError):
        return False


def machine_busy() -> float:
    """CPU seconds all processes of the machine have used since boot (user, nice, system;
    not interrupts, which the loopback traffic of our own sockets causes)."""
    with open("/proc/stat") as f:
        user, nice, system = (int(x) for x in f.readline().split()[1:4])
    return (user + nice + system) / TICKS
