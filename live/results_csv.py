"""The figures of a report as CSV rows: one header, then per proposition and round the
total, equal weight, the hall, the stream and the hands, and each perspective.

Pure: no I/O. Input is a report (`Report.results`, sealed or not); every figure comes
from `results`; `spreadsheet` writes the rows out.
"""

from __future__ import annotations

from collections.abc import Mapping

from .model import CHOICES


def _streamed(channels: Mapping) -> bool:
    """Whether the stream took part in a round (voted, or too few to show)."""
    return channels["stream"] is None or channels["stream"]["voters"] > 0


CSV_HEADER = ["proposition", "text", "round", "group", "agree", "disagree", "neutral", "voters", "manual_agree",
              "manual_disagree", "manual_neutral", "marker", "shift_pp", "note", "phone_agree", "phone_disagree",
              "phone_neutral", "phone_voters", "manual_for", "earlier_text",
              "flagged_agree", "flagged_disagree", "flagged_neutral", "voters_without_flagged"]


def csv_rows(report: Mapping) -> list[list]:
    """The public figures of a report (Report.results) as spreadsheet rows, header first:
    per proposition and round the total, equal weight, then each perspective. The total
    row shows phones and hands together (agree…voters) and apart (phone_*, manual_*, with
    what the hand counts were for); an edited proposition carries its earlier texts."""
    rows = [CSV_HEADER]
    for proposition in report["propositions"]:
        start = [proposition["id"], proposition["text"]]
        earlier = " | ".join(proposition.get("earlier") or ())
        shift = proposition["shift"]
        for round_, figures in proposition["rounds"].items():
            if "counts" not in figures:  # sealed: results not revealed
                rows.append([*start, round_, "total", "", "", "", figures["voters"], "", "", "", "", "", "hidden",
                             "", "", "", "", "", earlier])
                continue
            later = shift is not None and round_ == "2"
            manual = figures["manual"] or {}
            phones = figures.get("phones") or {}
            rows.append([*start, round_, "total", *figures["counts"].values(), figures["voters"],
                         *(manual.get(choice, "") for choice in CHOICES), figures["marker"] or "",
                         shift["total"] if later else "", "", *(phones.get(choice, 0) for choice in CHOICES),
                         figures.get("phone_voters", ""), figures.get("manual_mode") or "", earlier])
            flagged = figures.get("flagged")  # moderators and organisers only (Report.results)
            if flagged:
                rows[-1] += [*(flagged[c] for c in CHOICES), figures["unflagged"]["voters"]]
            if figures["equal_weight"]:
                rows.append([*start, round_, "equal_weight", *figures["equal_weight"].values(),
                             "", "", "", "", "", "", "percent", "", "", "", "", "", earlier])
            if _streamed(figures["channels"]):  # the hall, the stream and the hands apart
                for name, channel in figures["channels"].items():
                    if channel is None:
                        rows.append([*start, round_, name, "", "", "", "", "", "", "", "", "", "too few votes"])
                    else:
                        rows.append([*start, round_, name, *channel["counts"].values(), channel["voters"],
                                     "", "", "", "", "", ""])
            for name, group in figures["by_perspective"].items():
                value = shift["by_perspective"].get(name) if later else None
                group_shift = "" if value is None else value
                if group is None:
                    rows.append([*start, round_, name, "", "", "", "", "", "", "", "", group_shift, "too few votes",
                                 "", "", "", "", "", earlier])
                else:
                    rows.append([*start, round_, name, *group["counts"].values(), group["voters"],
                                 "", "", "", "", group_shift, "", "", "", "", "", "", earlier])
    rows = [row + [""] * (len(CSV_HEADER) - len(row)) for row in rows]
    earlier_at = CSV_HEADER.index("earlier_text")  # on every row of an edited proposition
    texts = {p["id"]: " | ".join(p["earlier"]) for p in report["propositions"] if p.get("earlier")}
    for row in rows[1:]:
        row[earlier_at] = texts.get(row[0], "")
    return rows
