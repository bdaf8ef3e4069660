"""The figures, computed without I/O, on their edge cases."""

from __future__ import annotations

from live import results
from live.model import Tally

PERSPECTIVES = ("Burger", "Professional", "Gemeente")


def tally(raw):
    """A tally from compact counts: "agree" (phones), "agree:2" (phones of perspective 2),
    "m:agree" and "m:agree:2" (hand counts for the hall and for perspective 2)."""
    parts = {"phones": {}, "phones_by": {}, "hands": {}, "hands_by": {}}
    for field, value in raw.items():
        hand = field.startswith("m:")
        choice, _, index = field.removeprefix("m:").partition(":")
        if index:
            parts["hands_by" if hand else "phones_by"].setdefault(int(index), {})[choice] = value
        else:
            parts["hands" if hand else "phones"][choice] = value
    return Tally.of("p1", 1, **parts)


def figures(raw, k=5):
    return results.round_figures(tally(raw), PERSPECTIVES, k)


def test_no_voters():
    """No votes: zero counts, every group withheld, no marker, no equal weight."""
    r = figures({})
    assert r["counts"] == {"agree": 0, "disagree": 0, "neutral": 0} and r["voters"] == 0
    assert r["by_perspective"] == {"Burger": None, "Professional": None, "Gemeente": None}
    assert r["equal_weight"] is None and r["marker"] is None and r["manual"] is None


def test_exactly_k_is_shown_and_k_minus_1_is_withheld():
    """A group with k voters is shown; with k-1 it is null, voter count included."""
    r = figures({"agree": 9, "agree:1": 5, "agree:2": 4})
    assert r["by_perspective"]["Burger"] == {"counts": {"agree": 5, "disagree": 0, "neutral": 0}, "voters": 5}
    assert r["by_perspective"]["Professional"] is None
    assert r["by_perspective"]["Gemeente"] is None
    assert r["voters"] == 9  # the total still counts everyone, with or without a perspective


def test_raw_export_marks_withheld_groups():
    """Without withholding, a small group is shown and marked."""
    r = results.round_figures(tally({"agree": 2, "agree:2": 2}), PERSPECTIVES, 5, withhold=False)
    assert r["by_perspective"]["Professional"] == {"counts": {"agree": 2, "disagree": 0, "neutral": 0},
                                                   "voters": 2, "withheld": True}


def test_consensus_division_and_ties():
    """Consensus needs every qualifying group on one side by two thirds; opposite leanings are divided; ties are neither."""
    consensus = figures({"agree:1": 5, "agree:2": 4, "disagree:2": 2, "agree": 9, "disagree": 2})
    assert consensus["marker"] == "consensus"
    divided = figures({"agree:1": 5, "disagree:2": 5})
    assert divided["marker"] == "divided"
    tie = figures({"agree:1": 3, "disagree:1": 3, "agree:2": 4, "disagree:2": 2})
    assert tie["marker"] is None  # group 1 ties; group 2 leans agree but not by two thirds
    single = figures({"agree:1": 9})
    assert single["marker"] is None  # one group cannot agree with itself


def test_equal_weight_averages_the_groups():
    """Equal weight: each qualifying group's shares averaged, whatever its size."""
    r = figures({"agree:1": 10, "disagree:2": 5})
    assert r["equal_weight"] == {"agree": 50.0, "disagree": 50.0, "neutral": 0.0}


def test_hand_counts_with_and_without_perspective():
    """Hand counts count in the total and, when given per perspective, in that group; they are reported as manual."""
    raw = {"agree": 2, "agree:1": 2, "m:agree": 10, "m:disagree:3": 6}
    r = figures(raw)
    assert r["counts"] == {"agree": 12, "disagree": 6, "neutral": 0} and r["voters"] == 18
    assert r["manual"] == {"agree": 10, "disagree": 6, "neutral": 0}
    assert r["by_perspective"]["Gemeente"] == {"counts": {"agree": 0, "disagree": 6, "neutral": 0}, "voters": 6}
    assert r["by_perspective"]["Burger"] is None  # 2 phones < k


def test_shift_and_withheld_groups():
    """The shift is the change in agree share in points; a group withheld in either round has no shift."""
    first = figures({"agree": 6, "disagree": 4, "agree:1": 6, "disagree:1": 4})
    second = figures({"agree": 3, "disagree": 5, "agree:1": 3, "disagree:1": 1, "disagree:2": 4})
    shift = results.shift(first, second)
    assert shift["total"] == round(3 / 8 * 100 - 60, 1)
    assert shift["by_perspective"] == {"Burger": None, "Professional": None, "Gemeente": None}
    assert results.shift(figures({}), second)["total"] is None


def test_transitions_use_each_rounds_own_perspective():
    """Transitions count participants who voted in both rounds, whatever perspective they had each time."""
    first = {"a": "agree", "b": "agree", "c": "disagree", "d": "neutral"}
    second = {"a": "disagree", "b": "agree", "c": "agree", "e": "agree"}
    table = results.transitions(first, second)
    assert table["agree"] == {"agree": 1, "disagree": 1, "neutral": 0}
    assert table["disagree"] == {"agree": 1, "disagree": 0, "neutral": 0}
    assert table["neutral"] == {"agree": 0, "disagree": 0, "neutral": 0}


def test_the_flagged_part_of_the_counts_is_read_per_round():
    """`f<round>:<choice>` fields are the part of the phones' counts from flagged identities (issue 13, E20)."""
    from live.store.votes import tally_from

    fields = {"1:agree": "5", "f1:agree": "3", "f2:disagree": "1", "f1:bogus": "9", "v": "7"}
    assert tally_from(fields, "p1", 1).flagged == {"agree": 3, "disagree": 0, "neutral": 0}
    assert tally_from(fields, "p1", 2).flagged == {"agree": 0, "disagree": 1, "neutral": 0}
    assert tally_from(fields, "p1", 1).phones["agree"] == 5
