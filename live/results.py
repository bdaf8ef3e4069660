"""The figures of a debate: totals, the split by perspective with its small-group guard,
equal-weight totals, consensus and division, the shift between rounds and who moved.

Pure: no I/O. Input is the raw counts of one proposition and round as the vote script
keeps them ("agree", "agree:2" for perspective 2, "m:agree" and "m:agree:2" for hand
counts) and, for transitions, the stored votes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .model import CHOICES

DEFAULT_MIN_GROUP = 5
DEFAULT_CONSENSUS_SHARE = 2 / 3


def _zero() -> dict[str, int]:
    return {choice: 0 for choice in CHOICES}


def _voters(counts: Mapping[str, int]) -> int:
    return sum(counts.values())


def _pct(part: int | float, whole: int | float) -> float | None:
    return None if not whole else round(part * 100 / whole, 1)


def split(raw: Mapping[str, int], perspectives: Sequence[str]) -> dict:
    """Phone and hand counts, in total and per perspective (indices are 1-based)."""
    phones, manual = _zero(), _zero()
    by = {index: _zero() for index in range(1, len(perspectives) + 1)}
    manual_by = {index: _zero() for index in by}
    for field, value in raw.items():
        hand = field.startswith("m:")
        choice, _, index = field.removeprefix("m:").partition(":")
        if choice not in CHOICES:
            continue
        if not index:
            (manual if hand else phones)[choice] += value
        elif index.isdigit() and int(index) in by:
            (manual_by if hand else by)[int(index)][choice] += value
    # Hand counts given per perspective also count in the total.
    for counts in manual_by.values():
        for choice in CHOICES:
            manual[choice] += counts[choice]
    return {"phones": phones, "manual": manual, "by": by, "manual_by": manual_by}


def round_figures(raw: Mapping[str, int], perspectives: Sequence[str], min_group: int = DEFAULT_MIN_GROUP,
                  consensus_share: float = DEFAULT_CONSENSUS_SHARE, withhold: bool = True) -> dict:
    """R for one proposition and round: counts, voters, by_perspective, manual, equal_weight, marker.

    With `withhold`, a perspective with fewer than `min_group` voters is None (not even its
    voter count is shown); without, it is shown and marked `"withheld": true` (raw export).
    """
    parts = split(raw, perspectives)
    counts = {choice: parts["phones"][choice] + parts["manual"][choice] for choice in CHOICES}
    groups: dict[str, dict | None] = {}
    qualifying: list[dict[str, int]] = []
    for index, name in enumerate(perspectives, start=1):
        group = {choice: parts["by"][index][choice] + parts["manual_by"][index][choice] for choice in CHOICES}
        enough = _voters(group) >= min_group
        if enough:
            qualifying.append(group)
        if enough or not withhold:
            groups[name] = {"counts": group, "voters": _voters(group)}
            if not enough:
                groups[name]["withheld"] = True
        else:
            groups[name] = None
    return {
        "counts": counts,
        "voters": _voters(counts),
        "by_perspective": groups,
        "manual": parts["manual"] if _voters(parts["manual"]) else None,
        "equal_weight": equal_weight(qualifying),
        "marker": marker(qualifying, consensus_share),
    }


def equal_weight(groups: Sequence[Mapping[str, int]]) -> dict[str, float] | None:
    """Percentages as if every (large enough) perspective weighed the same."""
    groups = [g for g in groups if _voters(g)]
    if not groups:
        return None
    return {choice: round(sum(g[choice] / _voters(g) for g in groups) * 100 / len(groups), 1) for choice in CHOICES}


def marker(groups: Sequence[Mapping[str, int]], share: float = DEFAULT_CONSENSUS_SHARE) -> str | None:
    """"consensus" when at least two perspectives are all on the same side by at least `share`;
    "divided" when one perspective leans agree and another disagree; otherwise None."""
    groups = [g for g in groups if _voters(g)]
    if len(groups) < 2:
        return None
    for side in ("agree", "disagree"):
        if all(g[side] / _voters(g) >= share for g in groups):
            return "consensus"
    leanings = {("agree" if g["agree"] > g["disagree"] else "disagree") for g in groups if g["agree"] != g["disagree"]}
    return "divided" if leanings == {"agree", "disagree"} else None


def agree_share(figures: Mapping) -> float | None:
    return _pct(figures["counts"]["agree"], figures["voters"])


def shift(first: Mapping, second: Mapping) -> dict:
    """Change in the share of agree votes from round 1 to round 2, in percentage points."""
    def delta(a: Mapping | None, b: Mapping | None) -> float | None:
        if a is None or b is None or not a["voters"] or not b["voters"]:
            return None
        return round(b["counts"]["agree"] * 100 / b["voters"] - a["counts"]["agree"] * 100 / a["voters"], 1)

    return {"total": delta(first, second),
            "by_perspective": {name: delta(group, second["by_perspective"].get(name))
                               for name, group in first["by_perspective"].items()}}


def transitions(first: Mapping[str, str], second: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """Round-1 choice → round-2 choice, among participants who voted in both rounds.

    `first` and `second` map participant → stored vote ("agree" or "agree:2").
    """
    table = {choice: _zero() for choice in CHOICES}
    for participant, before in first.items():
        after = second.get(participant)
        if after is None:
            continue
        table[before.partition(":")[0]][after.partition(":")[0]] += 1
    return table
