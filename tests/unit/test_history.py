"""The trend across a series (issue 15): Fisher's exact test and the changes since the
previous and the first event, against tables worked out by hand."""

from __future__ import annotations

import pytest

from live import history
from live.model import Tally
from live.results import round_figures


def test_fisher_exact_against_hand_computed_tables():
    """3/4 against 1/4: (1+16+16+1)/70; 8/10 against 2/10: 2·(1+100+2025)/C(20,10); no variation: 1."""
    assert history.fisher_exact(3, 4, 1, 4) == pytest.approx(34 / 70)
    assert history.fisher_exact(8, 10, 2, 10) == pytest.approx(4252 / 184756)
    assert history.fisher_exact(5, 5, 7, 7) == 1.0
    assert history.fisher_exact(0, 0, 3, 7) == 1.0


def entry(pid, text, phones, phones_by, perspectives, min_group=3, hands=None):
    tally = Tally.of(pid, 1, phones=phones, phones_by=phones_by, hands=hands)
    return {"id": pid, "text": text, "rounds": {"1": round_figures(tally, perspectives, min_group)}}


def test_trend_of_three_events_with_guard_and_changed_perspectives():
    """2018: 8 of 10 agree (Burger 4/5 shown; Professional and Gemeente withheld: 2 phones, then the smallest
    shown one goes too). 2022: 2 of 10. 2026: 7 of 12 with 2 hand counts, perspectives Burger and Zorg."""
    a = entry("p1", "Op koers?", {"agree": 8, "disagree": 2}, {1: {"agree": 4, "disagree": 1}, 2: {"agree": 3},
                                                               3: {"agree": 1, "disagree": 1}},
              ("Burger", "Professional", "Gemeente"))
    assert a["rounds"]["1"]["by_perspective"] == {"Burger": {"counts": {"agree": 4, "disagree": 1, "neutral": 0},
                                                              "voters": 5}, "Professional": None, "Gemeente": None}
    b = entry("p1", "Op koers?", {"agree": 2, "disagree": 8}, {1: {"agree": 1, "disagree": 4}, 2: {"disagree": 4}},
              ("Burger", "Professional", "Gemeente"))
    c = entry("p3", "Nog op koers?", {"agree": 5, "disagree": 5}, {1: {"agree": 5}, 2: {"disagree": 5}},
              ("Burger", "Zorg"), hands={"agree": 2})
    points = [history.point("AAAAAA", "2018-06-01", "2018", a), history.point("BBBBBB", "2022-06-01", "2022", b),
              history.point("CCCCCC", "2026-06-01", "2026", c)]
    trend = history.trend(points)
    assert [p["code"] for p in trend] == ["AAAAAA", "BBBBBB", "CCCCCC"]
    assert trend[0]["since_previous"] is None and trend[0]["since_first"] is None
    assert trend[2]["counts"] == {"agree": 7, "disagree": 5, "neutral": 0} and trend[2]["voters"] == 12
    # 2018 → 2022: 80 % → 20 %, Fisher 4252/184756: beyond chance.
    step = trend[1]["since_previous"]["total"]
    assert step == {"pp": -60.0, "p_value": round(4252 / 184756, 4), "verdict": "beyond_chance"}
    # Burger 4/5 → 1/5: C(10,5)=252; tables k with C(5,k)C(5,5-k) ≤ 50: k=0,1,4,5 → (1+25+25+1)/252.
    burger = trend[1]["since_previous"]["by_perspective"]["Burger"]
    assert burger == {"pp": -60.0, "p_value": round(52 / 252, 4), "verdict": "too_close_to_call"}
    # Professional is withheld in 2018: no change is given for it, in 2022 or since the first.
    assert trend[1]["since_previous"]["by_perspective"]["Professional"] is None
    assert trend[2]["since_first"]["by_perspective"] == {
        "Burger": {"pp": 20.0, "p_value": round(history.fisher_exact(4, 5, 5, 5), 4), "verdict": "too_close_to_call"}}
    # 2022 → 2026: 2/10 → 7/12 (hand counts count in the total).
    assert trend[2]["since_previous"]["total"]["pp"] == round(700 / 12 - 20, 1)
    assert history.perspectives(trend) == ["Burger", "Professional", "Gemeente", "Zorg"]


def test_a_sealed_point_shows_no_change():
    """A proposition not revealed at one event: no counts there and no change to or from it."""
    sealed = {"id": "p1", "text": "x", "rounds": {"1": {"voters": 9}}}
    shown = entry("p1", "x", {"agree": 3}, {}, ())
    trend = history.trend([history.point("A", "", "", sealed), history.point("B", "", "", shown)])
    assert trend[0]["counts"] is None and trend[1]["since_previous"]["total"] is None
