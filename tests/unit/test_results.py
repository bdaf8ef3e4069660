"""The figures, computed without I/O, on their edge cases."""

from __future__ import annotations

from live import results, results_csv
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
    """A group with k voters is shown; with k-1 it is null, voter count included.
    (Gemeente's one voter makes two groups withheld, so no secondary suppression: see below.)"""
    r = figures({"agree": 9, "disagree": 1, "agree:1": 5, "agree:2": 4, "disagree:3": 1})
    assert r["by_perspective"]["Burger"] == {"counts": {"agree": 5, "disagree": 0, "neutral": 0}, "voters": 5}
    assert r["by_perspective"]["Professional"] is None
    assert r["by_perspective"]["Gemeente"] is None
    assert r["voters"] == 10  # the total still counts everyone, with or without a perspective


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
    """Hand counts count in the total and, for a group shown on its phone voters, in that group; they are
    reported as manual. Hand counts alone never lift the guard (issue 12: Gemeente's 6 hands, no phones)."""
    raw = {"agree": 2, "agree:1": 2, "m:agree": 10, "m:disagree:3": 6}
    r = figures(raw)
    assert r["counts"] == {"agree": 12, "disagree": 6, "neutral": 0} and r["voters"] == 18
    assert r["manual"] == {"agree": 10, "disagree": 6, "neutral": 0}
    assert r["by_perspective"]["Gemeente"] is None  # 0 phones < k, whatever the hands
    assert r["by_perspective"]["Burger"] is None  # 2 phones < k
    shown = figures({"agree": 5, "agree:3": 5, "m:disagree:3": 6, "agree:1": 0, "disagree:2": 5, "disagree": 5})
    assert shown["by_perspective"]["Gemeente"] == {"counts": {"agree": 5, "disagree": 6, "neutral": 0}, "voters": 11}


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


# --- issue 12: equal weight, the guard on phone voters, secondary suppression -------------

def test_equal_weight_needs_two_shown_groups():
    """Equal weight with 0/1/2/3 qualifying groups: none with fewer than two, and it names the groups it weighs."""
    none = figures({"agree": 3, "agree:1": 2, "disagree:2": 1})
    assert none["equal_weight"] is None and none["equal_weight_groups"] == []
    one = figures({"agree": 9, "agree:1": 9})  # one group: its own result is no balanced view
    assert one["by_perspective"]["Burger"] is not None
    assert one["equal_weight"] is None and one["equal_weight_groups"] == []
    two = figures({"agree": 10, "disagree": 5, "agree:1": 10, "disagree:2": 5})
    assert two["equal_weight"] == {"agree": 50.0, "disagree": 50.0, "neutral": 0.0}
    assert two["equal_weight_groups"] == ["Burger", "Professional"]
    three = figures({"agree": 16, "disagree": 8, "agree:1": 6, "agree:2": 5, "disagree:2": 5, "agree:3": 5,
                     "disagree:3": 3})
    # shares: Burger 1, Professional 1/2, Gemeente 5/8 agree -> (100 + 50 + 62.5) / 3
    assert three["equal_weight"] == {"agree": 70.8, "disagree": 29.2, "neutral": 0.0}
    assert three["equal_weight_groups"] == ["Burger", "Professional", "Gemeente"]


def test_hand_counts_never_lift_the_guard():
    """The issue's case: a group with 1 phone voter and hand counts 3/1/0 is not shown as 3/1/1 (k=5)."""
    r = figures({"agree": 6, "disagree": 5, "neutral": 1, "agree:1": 6, "disagree:2": 5, "neutral:3": 1,
                 "m:agree:3": 3, "m:disagree:3": 1})
    assert r["counts"] == {"agree": 9, "disagree": 6, "neutral": 1}
    assert r["by_perspective"]["Gemeente"] is None
    # Exactly one group with voters is withheld: the smallest shown (Professional, 5 phones) goes too.
    assert r["by_perspective"]["Professional"] is None
    assert r["by_perspective"]["Burger"] == {"counts": {"agree": 6, "disagree": 0, "neutral": 0}, "voters": 6}
    assert r["equal_weight"] is None and r["marker"] is None  # one shown group is no balanced view


def test_secondary_suppression_when_exactly_one_group_is_withheld():
    """Hall 9 = Burger 5 + Professional 4: Professional would follow from the total, so Burger is withheld too;
    with two groups withheld (or none with voters) nothing more is suppressed."""
    lone = figures({"agree": 9, "agree:1": 5, "agree:2": 4})
    assert lone["by_perspective"] == {"Burger": None, "Professional": None, "Gemeente": None}
    assert lone["counts"] == {"agree": 9, "disagree": 0, "neutral": 0}  # the hall total stays
    # Ties on phone voters: the later group goes, the earlier stays.
    tie = figures({"agree": 12, "agree:1": 5, "agree:2": 5, "agree:3": 2})
    assert tie["by_perspective"]["Burger"] is not None
    assert tie["by_perspective"]["Professional"] is None and tie["by_perspective"]["Gemeente"] is None
    # An empty group gives nothing away: no secondary suppression for it.
    empty = figures({"agree": 10, "agree:1": 5, "disagree:2": 5})
    assert empty["by_perspective"]["Burger"] is not None and empty["by_perspective"]["Professional"] is not None
    assert empty["by_perspective"]["Gemeente"] is None
    # The raw export shows every group, the suppressed ones marked.
    raw = results.round_figures(tally({"agree": 9, "agree:1": 5, "agree:2": 4}), PERSPECTIVES, 5, withhold=False)
    assert raw["by_perspective"]["Burger"] == {"counts": {"agree": 5, "disagree": 0, "neutral": 0}, "voters": 5,
                                               "withheld": True}


def table(moves: dict[tuple[str, str], int]) -> dict:
    full = {a: {b: 0 for b in ("agree", "disagree", "neutral")} for a in ("agree", "disagree", "neutral")}
    for (a, b), n in moves.items():
        full[a][b] = n
    return full


def test_mcnemar_verdict_on_known_tables():
    """Exact McNemar on agree vs not agree, hand-computed: 10 switches all one way is beyond chance
    (p = 2/1024), 6 to 2 is too close to call (p = 2·37/256), nobody moving is too close to call."""
    all_one_way = results.mcnemar(table({("disagree", "agree"): 10, ("agree", "agree"): 50}))
    assert all_one_way == {"left_agree": 0, "joined_agree": 10, "p_value": round(2 / 1024, 4),
                           "verdict": "beyond_chance"}
    close = results.mcnemar(table({("agree", "disagree"): 2, ("neutral", "agree"): 4, ("disagree", "agree"): 2}))
    assert close["left_agree"] == 2 and close["joined_agree"] == 6
    assert close["p_value"] == round(2 * (1 + 8 + 28) / 256, 4) and close["verdict"] == "too_close_to_call"
    # Moves between disagree and neutral do not change agree: they are not switches.
    still = results.mcnemar(table({("disagree", "neutral"): 30, ("agree", "agree"): 3}))
    assert still == {"left_agree": 0, "joined_agree": 0, "p_value": 1.0, "verdict": "too_close_to_call"}
    # 15 against 3: p = 2·(1 + 18 + 153 + 816)/2^18 ≈ 0.0075
    assert results.mcnemar(table({("agree", "neutral"): 3, ("disagree", "agree"): 15}))["verdict"] == "beyond_chance"


def test_who_moved():
    moves = results.who_moved(table({("agree", "disagree"): 4, ("disagree", "agree"): 2, ("agree", "neutral"): 1,
                                     ("disagree", "neutral"): 2, ("neutral", "agree"): 5, ("neutral", "neutral"): 9}))
    assert moves == {"agree_to_disagree": 4, "disagree_to_agree": 2, "to_neutral": 3, "from_neutral": 5}


def test_before_after_guards_who_moved():
    """Round 1 against round 2: who moved and the verdict only when at least k voted in both rounds."""
    first, second = figures({"agree": 2, "disagree": 3}), figures({"agree": 5})
    few = results.before_after(first, second, table({("disagree", "agree"): 3, ("agree", "agree"): 1}), 5)
    assert few["round1"] == {"counts": {"agree": 2, "disagree": 3, "neutral": 0}, "voters": 5,
                             "by_perspective": {"Burger": None, "Professional": None, "Gemeente": None}}
    assert few["shift"]["total"] == 60.0
    assert few["paired"] is None and few["moved"] is None and few["test"] is None
    enough = results.before_after(first, second, table({("disagree", "agree"): 3, ("agree", "agree"): 2}), 5)
    assert enough["paired"] == 5 and enough["moved"]["disagree_to_agree"] == 3
    assert enough["test"]["verdict"] == "too_close_to_call"  # 3 switches, all one way: p = 0.25


def test_largest_remainder_percentages_add_up_to_100():
    """Every page shows whole percentages that add up to 100: largest remainder, of equal remainders the earlier."""
    assert results.shares({"agree": 1, "disagree": 1, "neutral": 1}) == {"agree": 34, "disagree": 33, "neutral": 33}
    assert results.shares({"agree": 2, "disagree": 1, "neutral": 0}) == {"agree": 67, "disagree": 33, "neutral": 0}
    assert results.shares({"agree": 1, "disagree": 7, "neutral": 0}) == {"agree": 13, "disagree": 87, "neutral": 0}
    # 1/6 = 16.67, 2/6 = 33.33, 3/6 = 50: floors 16 + 33 + 50 = 99, the point goes to 16.67
    assert results.shares({"agree": 1, "disagree": 2, "neutral": 3}) == {"agree": 17, "disagree": 33, "neutral": 50}
    assert results.shares({"agree": 0, "disagree": 0, "neutral": 0}) == {"agree": 0, "disagree": 0, "neutral": 0}
    for n in range(1, 40):
        for a in range(n + 1):
            for d in range(n - a + 1):
                assert sum(results.shares({"agree": a, "disagree": d, "neutral": n - a - d}).values()) == 100


def test_the_flagged_part_of_the_counts_is_read_per_round():
    """`f<round>:<choice>` fields are the part of the phones' counts from flagged identities (issue 13, E20)."""
    from live.store.votes import tally_from

    fields = {"1:agree": "5", "f1:agree": "3", "f2:disagree": "1", "f1:bogus": "9", "v": "7"}
    assert tally_from(fields, "p1", 1).flagged == {"agree": 3, "disagree": 0, "neutral": 0}
    assert tally_from(fields, "p1", 2).flagged == {"agree": 0, "disagree": 1, "neutral": 0}
    assert tally_from(fields, "p1", 1).phones["agree"] == 5


def test_without_flagged_takes_their_part_out_in_total_and_per_perspective():
    """Excluding flagged identities (issue 13, E27) removes their part of the phones, in the total and per
    perspective; hand counts stay, and nothing goes below zero."""
    from live.store.votes import tally_from

    fields = {"1:agree": "7", "1:agree:2": "5", "1:disagree": "1", "1:disagree:1": "1", "f1:agree": "3",
              "f1:agree:2": "2", "m1:neutral": "4", "v": "9"}
    full = tally_from(fields, "p1", 1)
    assert full.flagged_by == {2: {"agree": 2, "disagree": 0, "neutral": 0}}
    clean = results.without_flagged(full)
    assert clean.phones == {"agree": 4, "disagree": 1, "neutral": 0}
    assert clean.phones_by[2] == {"agree": 3, "disagree": 0, "neutral": 0} and clean.phones_by[1] == full.phones_by[1]
    assert clean.hands == full.hands and not results.flagged_any(clean) and results.flagged_any(full)
    figures = results.round_figures(clean, PERSPECTIVES[:2], min_group=1)
    assert figures["counts"] == {"agree": 4, "disagree": 1, "neutral": 4} and figures["voters"] == 9
    odd = Tally.of("p1", 1, phones={"agree": 1}, flagged={"agree": 3})
    assert results.without_flagged(odd).phones["agree"] == 0


def test_equal_weight_as_whole_percentages_adds_up_to_100():
    """Three groups, each split a third each way: the one-decimal equal weight (33.3 each)
    becomes whole percentages that add up to 100, as the report prints them."""
    r = figures({"agree:1": 1, "disagree:1": 1, "neutral:1": 1, "agree:2": 1, "disagree:2": 1, "neutral:2": 1,
                 "agree": 2, "disagree": 2, "neutral": 2}, k=1)
    assert r["equal_weight"] == {"agree": 33.3, "disagree": 33.3, "neutral": 33.3}
    assert sum(r["equal_weight_shares"].values()) == 100 and r["equal_weight_shares"]["agree"] == 34


def test_phones_and_hands_apart_and_together():
    """The phones apart, the hands apart with what they were for, and together in counts."""
    r = figures({"agree": 3, "disagree": 1, "m:agree:2": 4}, k=1)
    assert r["phones"] == {"agree": 3, "disagree": 1, "neutral": 0} and r["phone_voters"] == 4
    assert r["manual"] == {"agree": 4, "disagree": 0, "neutral": 0} and r["manual_mode"] == "perspectives"
    assert r["voters"] == 8
    assert figures({"agree": 1, "m:disagree": 2})["manual_mode"] == "hall"
    assert figures({"agree": 1})["manual_mode"] is None


def test_csv_rows_carry_phones_hands_and_the_earlier_text():
    """The CSV's total row: together, hands, phones apart, what the hands were for, earlier text."""
    r = figures({"agree": 3, "m:agree": 2})
    report = {"propositions": [{"id": "p1", "text": "Nieuw", "earlier": ["Oud", "Ouder"], "shift": None,
                                "rounds": {"1": r}}]}
    header, total = results_csv.csv_rows(report)[:2]
    row = dict(zip(header, total))
    assert (row["agree"], row["voters"], row["manual_agree"], row["phone_agree"], row["phone_voters"]) == (5, 5, 2, 3, 3)
    assert row["manual_for"] == "hall" and row["earlier_text"] == "Oud | Ouder"
