"""The figures of a debate: totals, the split by perspective with its small-group guard,
equal-weight totals, consensus and division, the shift between rounds and who moved.

Pure: no I/O. Input is a `model.Tally` (one proposition and round) and, for transitions,
the stored votes. Every number a screen, the report or an export shows comes from here,
computed once per tally; the views only choose what each role may see of it (the CSV
rows of a report are results_csv.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from .model import CHOICES, DEFAULT_MIN_GROUP, Counts, Tally, zero_counts

DEFAULT_CONSENSUS_SHARE = 2 / 3


def _voters(counts: Mapping[str, int]) -> int:
    return sum(counts.values())


def _pct(part: int | float, whole: int | float) -> float | None:
    return None if not whole else round(part * 100 / whole, 1)


def percent(count: int, voters: int) -> int:
    """A whole percentage, rounded half up (0 for no voters), as every page shows it."""
    return (200 * count + voters) // (2 * voters) if voters else 0


def shares(counts: Mapping[str, int]) -> dict[str, int]:
    """Whole percentages of each choice that add up to 100 (largest remainder: every share
    rounded down, the points left over go to the largest remainders, of equal remainders
    to the earlier choice); all 0 for no voters. What every page shows."""
    voters = sum(counts.values())
    if not voters:
        return {choice: 0 for choice in counts}
    floors = {choice: count * 100 // voters for choice, count in counts.items()}
    order = sorted(counts, key=lambda choice: -(counts[choice] * 100 % voters))
    for choice in order[:100 - sum(floors.values())]:
        floors[choice] += 1
    return floors


def _add(*parts: Mapping[str, int]) -> Counts:
    return {choice: sum(part.get(choice, 0) for part in parts) for choice in CHOICES}


def without_flagged(tally: Tally) -> Tally:
    """The tally as if flagged identities had not voted: their part taken out of the phones
    (in total and per perspective); hand counts stay. What the projector, the phones and
    the overlays show while the moderator excludes flagged identities, and the console's and
    the report's "without flagged" figures."""
    def minus(counts: Mapping[str, int], part: Mapping[str, int]) -> Counts:
        return {choice: max(0, counts.get(choice, 0) - part.get(choice, 0)) for choice in CHOICES}
    return replace(tally, phones=minus(tally.phones, tally.flagged),
                   phones_by={i: minus(c, tally.flagged_by.get(i, {})) for i, c in tally.phones_by.items()},
                   flagged=zero_counts(), flagged_by={})


def flagged_any(tally: Tally) -> bool:
    return any(tally.flagged.values())


def round_figures(tally: Tally, perspectives: Sequence[str], min_group: int = DEFAULT_MIN_GROUP,
                  consensus_share: float = DEFAULT_CONSENSUS_SHARE, withhold: bool = True) -> dict:
    """R for one proposition and round: counts, voters (phones and hands together),
    phones, phone_voters (apart), manual (the hands), manual_mode, by_perspective,
    equal_weight, equal_weight_groups, marker, channels (hall, stream and hands apart).

    Hand counts count in the total and, for a group that is shown, in that group. The
    small-group guard looks at *phone* voters only: a perspective is shown when at least
    `min_group` phones of it voted (hand counts never lift it). When exactly one group with
    voters is withheld, the hall total minus the shown groups would give it away, so the
    smallest shown group is withheld too (secondary suppression). Equal weight and the
    marker use the shown groups only, and equal weight needs at least two of them.
    With `withhold`, a withheld perspective is None (not even its voter count is shown);
    without, it is shown and marked `"withheld": true` (raw export).
    """
    hands = _add(tally.hands, *tally.hands_by.values())
    counts = _add(tally.phones, hands)
    names = list(perspectives)
    groups = {name: _add(tally.phones_by.get(i, {}), tally.hands_by.get(i, {})) for i, name in enumerate(names, 1)}
    phones = {name: _voters(tally.phones_by.get(i, {})) for i, name in enumerate(names, 1)}
    shown = guarded(groups, phones, min_group)
    by_perspective: dict[str, dict | None] = {}
    for name in names:
        if name in shown or not withhold:
            by_perspective[name] = {"counts": groups[name], "voters": _voters(groups[name])}
            if name not in shown:
                by_perspective[name]["withheld"] = True
        else:
            by_perspective[name] = None
    weighed = [name for name in names if name in shown and _voters(groups[name])]
    weight = equal_weight([groups[name] for name in weighed]) if len(weighed) >= 2 else None
    return {
        "counts": counts,
        "voters": _voters(counts),
        "by_perspective": by_perspective,
        "manual": hands if _voters(hands) else None,
        # hand counts have one meaning per round (store/lua/hand_count.lua): the whole hall or per perspective
        "manual_mode": None if not _voters(hands) else "hall" if _voters(tally.hands) else "perspectives",
        "phones": dict(tally.phones),
        "phone_voters": _voters(tally.phones),
        "equal_weight": weight,
        # the same as whole percentages that add up to 100 (largest remainder), as the report prints them
        "equal_weight_shares": None if weight is None else shares({c: round(weight[c] * 10) for c in CHOICES}),
        "equal_weight_groups": weighed if weight is not None else [],
        "marker": marker([groups[name] for name in names if name in shown], consensus_share),
        "channels": channels(tally, hands, min_group, withhold),
    }


def channels(tally: Tally, hands: Mapping[str, int], min_group: int = DEFAULT_MIN_GROUP,
             withhold: bool = True) -> dict:
    """The hall's phones, the stream's phones (identities that joined through the stream's
    link) and the hand counts apart: {"hall", "stream", "hands"}, each {"counts", "voters"};
    together they are the round's counts. The guard on each: a channel with fewer than
    `min_group` phone voters (but some) is None; when only one of hall and stream is, the
    other is too, since the total minus the hands minus the other would give it away. Hand
    counts are the moderator's and always shown. Without `withhold` (raw export) withheld
    channels are shown, marked `"withheld": true`."""
    stream = {choice: tally.stream.get(choice, 0) for choice in CHOICES}
    parts = {"hall": {choice: tally.phones.get(choice, 0) - stream[choice] for choice in CHOICES}, "stream": stream}
    withheld = {name for name, counts in parts.items() if 0 < _voters(counts) < min_group}
    if len(withheld) == 1:
        withheld = set(parts)
    shown: dict[str, dict | None] = {}
    for name, counts in parts.items():
        if name in withheld and withhold:
            shown[name] = None
            continue
        shown[name] = {"counts": counts, "voters": _voters(counts)}
        if name in withheld:
            shown[name]["withheld"] = True
    shown["hands"] = {"counts": dict(hands), "voters": _voters(hands)}
    return shown


def guarded(groups: Mapping[str, Mapping[str, int]], phones: Mapping[str, int], min_group: int) -> set[str]:
    """The perspectives that may be shown: `min_group` phone voters each, and never exactly
    one group with voters withheld (then the smallest shown one goes too, by phone voters,
    the later one of equals)."""
    shown = {name for name in groups if phones[name] >= min_group}
    withheld = [name for name in groups if name not in shown and _voters(groups[name])]
    if len(withheld) == 1 and shown:
        order = list(groups)
        shown.discard(min(shown, key=lambda name: (phones[name], -order.index(name))))
    return shown


def equal_weight(groups: Sequence[Mapping[str, int]]) -> dict[str, float] | None:
    """Percentages as if every given perspective weighed the same (the caller passes the
    shown groups, at least two)."""
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


SIGNIFICANCE = 0.05  # two-sided


def mcnemar(table: Mapping[str, Mapping[str, int]]) -> dict:
    """Whether the shift in agree is beyond chance: an exact McNemar test on the paired
    votes (voters of both rounds), agree against not agree (disagree or neutral).

    b = agree → not agree, c = not agree → agree; under "nobody really moved" each of the
    b + c switches goes either way with probability ½, so the two-sided p-value is
    min(1, 2·P(X ≤ min(b, c))) for X ~ Binomial(b + c, ½). Below SIGNIFICANCE the verdict is
    "beyond_chance", otherwise "too_close_to_call" (also with no switches at all)."""
    others = [choice for choice in CHOICES if choice != "agree"]
    b = sum(table["agree"][other] for other in others)
    c = sum(table[other]["agree"] for other in others)
    n = b + c
    p = 1.0 if n == 0 else min(1.0, 2 * sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2 ** n)
    return {"left_agree": b, "joined_agree": c, "p_value": round(p, 4),
            "verdict": "beyond_chance" if p < SIGNIFICANCE else "too_close_to_call"}


def who_moved(table: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """How many voters of both rounds went agree → disagree, disagree → agree, to neutral
    and from neutral."""
    return {"agree_to_disagree": table["agree"]["disagree"], "disagree_to_agree": table["disagree"]["agree"],
            "to_neutral": table["agree"]["neutral"] + table["disagree"]["neutral"],
            "from_neutral": table["neutral"]["agree"] + table["neutral"]["disagree"]}


def round_summary(figures: Mapping) -> dict:
    """What is shown of one round beside another: its counts, voters and split (guarded as
    round_figures gives them)."""
    return {key: figures[key] for key in ("counts", "voters", "by_perspective")}


def before_after(first: Mapping, second: Mapping, table: Mapping[str, Mapping[str, int]],
                 min_group: int = DEFAULT_MIN_GROUP) -> dict:
    """Round 1 against round 2 of one proposition, for the screens: round 1's figures
    (guarded as round_figures gives them), the shift, and (only when at least `min_group`
    voted in both rounds) who moved and the McNemar verdict."""
    paired = sum(sum(row.values()) for row in table.values())
    enough = paired >= min_group
    return {"round1": round_summary(first),
            "shift": shift(first, second), "paired": paired if enough else None,
            "moved": who_moved(table) if enough else None, "test": mcnemar(table) if enough else None}


def transitions(first: Mapping[str, str], second: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """Round-1 choice → round-2 choice, among participants who voted in both rounds.

    `first` and `second` map participant → choice in that round.
    """
    table = {choice: zero_counts() for choice in CHOICES}
    for participant, before in first.items():
        after = second.get(participant)
        if after is not None:
            table[before][after] += 1
    return table


def sealed(proposition: Mapping) -> dict:
    """What everyone but moderators and organisers may see of a proposition whose results
    are not revealed: its phase and how many voted, per round; no counts."""
    return {**proposition, "counts": None, "shift": None, "transitions": None,
            "rounds": {key: {"voters": r["voters"]} for key, r in proposition["rounds"].items()}}
