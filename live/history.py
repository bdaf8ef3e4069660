"""The trend of a proposition across the events of a series: its result at each event
(per perspective, as the small-group guard left it that evening), the change since the
previous and since the first event, and whether each change is beyond chance.

Pure: no I/O. The points come from `results.round_figures` of each event (through the
report or an archive); nothing here counts votes again. Two events are two independent
samples (different evenings, voters not paired), so the shift's McNemar test does not
apply: a change is tested with Fisher's exact test on agree against not agree (disagree
or neutral), two-sided, at the same level as the shift (`results.SIGNIFICANCE`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from .results import SIGNIFICANCE, percent

MAX_EVENTS = 20  # the longest chain of predecessors followed (and a guard against loops)


def fisher_exact(a: int, n: int, b: int, m: int) -> float:
    """Two-sided p-value of Fisher's exact test: `a` of `n` against `b` of `m` agree.

    With the margins fixed, the number agreeing in the first sample is hypergeometric;
    the p-value sums the probability of every table at most as likely as the one seen.
    """
    agree, total = a + b, n + m
    if not n or not m or agree in (0, total):
        return 1.0
    whole = math.comb(total, agree)

    def chance(k: int) -> float:
        return math.comb(n, k) * math.comb(m, agree - k) / whole

    seen = chance(a)
    p = sum(chance(k) for k in range(max(0, agree - m), min(n, agree) + 1) if chance(k) <= seen * (1 + 1e-7))
    return min(1.0, p)


def _agree_pp(counts: Mapping[str, int], voters: int) -> float:
    return counts["agree"] * 100 / voters


def change(before: Mapping | None, after: Mapping | None) -> dict | None:
    """The change in the share of agree between two results ({"counts", "voters"}), in
    percentage points, with Fisher's p-value and the verdict; None when either is not
    shown (sealed, withheld, or nobody voted)."""
    if not before or not after or not before.get("counts") or not after.get("counts") \
            or not before["voters"] or not after["voters"]:
        return None
    p = fisher_exact(before["counts"]["agree"], before["voters"], after["counts"]["agree"], after["voters"])
    return {"pp": round(_agree_pp(after["counts"], after["voters"]) - _agree_pp(before["counts"], before["voters"]), 1),
            "p_value": round(p, 4), "verdict": "beyond_chance" if p < SIGNIFICANCE else "too_close_to_call"}


def _changes(before: Mapping, after: Mapping) -> dict:
    groups_before = before.get("by_perspective") or {}
    groups_after = after.get("by_perspective") or {}
    return {"total": change(before, after),
            "by_perspective": {name: change(groups_before.get(name), group)
                               for name, group in groups_after.items() if name in groups_before}}


def point(code: str, date: str, title: str, proposition: Mapping) -> dict:
    """One event's result of a proposition (an entry of the report: results or sealed):
    the last round it held, with `agree` (whole percent, for the screens) for the hall
    and each perspective shown. Sealed (not revealed): no counts, no perspectives."""
    rounds = proposition["rounds"]
    last = max(rounds, key=int)
    figures = rounds[last]
    groups = {name: None if group is None else {**group, "agree": agree_share(group)}
              for name, group in (figures.get("by_perspective") or {}).items()}
    return {"code": code, "date": date, "title": title, "proposition": proposition["id"],
            "text": proposition["text"], "round": int(last), "counts": figures.get("counts"),
            "voters": figures["voters"], "agree": agree_share(figures), "by_perspective": groups}


def trend(points: Sequence[Mapping]) -> list[dict]:
    """The points (oldest first) with, on each but the first, the change since the
    previous event and since the first (total and per perspective shown at both)."""
    found = []
    for index, current in enumerate(points):
        entry = dict(current)
        if index:
            entry["since_previous"] = _changes(points[index - 1], current)
            entry["since_first"] = _changes(points[0], current)
        else:
            entry["since_previous"] = entry["since_first"] = None
        found.append(entry)
    return found


def perspectives(history: Sequence[Mapping]) -> list[str]:
    """Every perspective named at some event of a history, in the order first met."""
    names: list[str] = []
    for entry in history:
        names += [name for name in entry["by_perspective"] if name not in names]
    return names


def agree_share(figures: Mapping | None) -> int | None:
    """A whole percentage agree (half up), None when not shown."""
    if not figures or not figures.get("counts") or not figures["voters"]:
        return None
    return percent(figures["counts"]["agree"], figures["voters"])
