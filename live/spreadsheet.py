"""The results as files an organiser opens: the .xlsx workbook (one sheet per table,
headers in the event's language, numbers as numbers, percentages formatted) and the
CSV, for tools (`,`) or for Dutch Excel (`;`, a BOM, decimal commas).

Pure: no I/O. Input is a report (`Report.results`, sealed or not); every figure comes
from `results`. Text that a spreadsheet would run as a formula is neutralised in every
variant (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .i18n import N_, translations
from .model import CHOICES

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read text as a formula
PERCENT = "0.0%"
POINTS = "+0.0;-0.0;0.0"

CHOICE_NAMES = {"agree": N_("Agree"), "disagree": N_("Disagree"), "neutral": N_("Neutral")}
MARKERS = {"consensus": N_("Consensus"), "divided": N_("Divided")}
HAND_MODES = {"hall": N_("Whole hall"), "perspectives": N_("Per perspective")}
CHANNEL_NAMES = {"hall": N_("Hall"), "stream": N_("Stream"), "hands": N_("Show of hands")}
STATUSES = {"visible": N_("Visible"), "answered": N_("Answered"), "waiting": N_("Waiting"), "rejected": N_("Rejected")}


def neutralised(cell):
    """A text cell that cannot start a formula (a leading apostrophe, as spreadsheets do)."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def _share(count: int, voters: int) -> float | None:
    return count / voters if voters else None


class _Sheets:
    """Builds the workbook's sheets: each a header row and rows of typed cells."""

    def __init__(self, language: str):
        self._ = translations(language).gettext
        self.book = Workbook()
        self.book.remove(self.book.active)

    def sheet(self, title: str, header: list[str], rows: list[list], formats: Mapping[int, str]) -> None:
        sheet = self.book.create_sheet(self._(title)[:31])
        sheet.append([self._(name) for name in header])
        for row in rows:
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in row])
        for line in sheet.iter_rows(min_row=2):
            for index, cell in enumerate(line):
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_START)):
                    cell.data_type = "s"  # text, never a formula
                    cell.quotePrefix = True  # and it stays text when edited
                if index in formats and isinstance(cell.value, (int, float)):
                    cell.number_format = formats[index]
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            width = max(len(str(c.value)) if c.value is not None else 0 for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))


def _counts_cells(counts: Mapping[str, int] | None, voters: int) -> list:
    if counts is None:
        return [None] * (2 * len(CHOICES))
    return [counts[c] for c in CHOICES] + [_share(counts[c], voters) for c in CHOICES]


VERDICTS = {"beyond_chance": N_("beyond chance"), "too_close_to_call": N_("too close to call")}


def _trend_rows(p: Mapping, _) -> list[list]:
    """The "Trend" sheet's rows of one proposition: per debate of its history the hall and
    each perspective, agree as a share, and the changes since the previous and the first."""
    rows = []
    for point in p.get("history") or []:
        groups = [(_("Whole hall"), point if point["counts"] else None, "total")]
        groups += [(name, group if point["counts"] else None, name) for name, group in point["by_perspective"].items()]
        for label, figures, key in groups:
            changes = []
            for since in (point["since_previous"], point["since_first"]):
                change = (since or {}).get("total") if key == "total" else ((since or {}).get("by_perspective") or {}).get(key)
                changes += [change["pp"], _(VERDICTS[change["verdict"]])] if change else [None, None]
            shown = figures is not None and figures.get("counts") is not None
            rows.append([p["id"], p["text"], point["code"], point["date"], point["title"], label,
                         figures["voters"] if shown else None,
                         _share(figures["counts"]["agree"], figures["voters"]) if shown else None, *changes,
                         None if shown else (_("too few votes") if point["counts"] else _("Results not revealed"))])
    return rows


def workbook(report: Mapping, language: str) -> bytes:
    """The .xlsx of a report: results per round, split per perspective, shift, who moved, questions."""
    s = _Sheets(language)
    _ = s._
    choices = [_(CHOICE_NAMES[c]) for c in CHOICES]
    pct = [f"{name} %" for name in choices]
    results, split, shifts, moves, apart = [], [], [], [], []
    for p in report["propositions"]:
        start = [p["id"], p["text"]]
        earlier = " | ".join(p.get("earlier") or ()) or None  # edited after votes came in
        for key, r in p["rounds"].items():
            voters = r["voters"]
            if "counts" not in r:  # sealed: results not revealed
                results.append([*start, int(key), voters, *([None] * 10), _("Results not revealed"),
                                *([None] * 5), earlier])
                continue
            manual = r["manual"] or {}
            weight = r["equal_weight"] or {}
            phones = r.get("phones") or {}
            results.append([*start, int(key), voters, *_counts_cells(r["counts"], voters),
                            *(manual.get(c) for c in CHOICES),
                            _(MARKERS[r["marker"]]) if r["marker"] else None, None,
                            r.get("phone_voters"), *(phones.get(c, 0) for c in CHOICES),
                            _(HAND_MODES[r["manual_mode"]]) if r.get("manual_mode") else None, earlier])
            flagged = r.get("flagged")  # moderators and organisers only (Report.results)
            if flagged:
                results[-1] += [*(flagged[c] for c in CHOICES), r["unflagged"]["voters"]]
            for name, group in r["by_perspective"].items():
                if group is None:
                    split.append([*start, int(key), name, None, *([None] * 6), _("too few votes")])
                else:
                    split.append([*start, int(key), name, group["voters"], *_counts_cells(group["counts"], group["voters"]),
                                  _("withheld") if group.get("withheld") else None])
            for name, channel in r["channels"].items():
                if channel is None:
                    apart.append([*start, int(key), _(CHANNEL_NAMES[name]), None, *([None] * 6), _("too few votes")])
                else:
                    apart.append([*start, int(key), _(CHANNEL_NAMES[name]), channel["voters"],
                                  *_counts_cells(channel["counts"], channel["voters"]),
                                  _("withheld") if channel.get("withheld") else None])
            apart.append([*start, int(key), _("Together"), voters, *_counts_cells(r["counts"], voters), None])
            if r["equal_weight"]:
                split.append([*start, int(key), _("Equal weight") + " (" + ", ".join(r["equal_weight_groups"]) + ")",
                              None, None, None, None, *(weight[c] / 100 for c in CHOICES), None])
        if p["shift"] is not None:
            shifts.append([*start, _("Whole hall"), p["shift"]["total"]])
            shifts += [[*start, name, value] for name, value in p["shift"]["by_perspective"].items()]
        if p["transitions"] is not None:
            moves += [[*start, _(CHOICE_NAMES[a]), _(CHOICE_NAMES[b]), p["transitions"][a][b]]
                      for a in CHOICES for b in CHOICES]
    head = [N_("Proposition"), N_("Text"), N_("Round")]
    s.sheet(N_("Results"), head + [N_("Voters"), *choices, *pct, *(_("Show of hands") + ": " + c for c in choices),
                                   N_("Marker"), N_("Note"), N_("Phone voters"),
                                   *(_("Phones") + ": " + c for c in choices), N_("Show of hands for"),
                                   N_("Earlier text (edited)"), *(_("Flagged") + ": " + c for c in choices),
                                   N_("Voters without flagged")], results, {i: PERCENT for i in range(7, 10)})
    s.sheet(N_("By perspective"), head + [N_("Perspective"), N_("Voters"), *choices, *pct, N_("Note")], split,
            {i: PERCENT for i in range(8, 11)})
    s.sheet(N_("Hall and stream"), head + [N_("Channel"), N_("Voters"), *choices, *pct, N_("Note")], apart,
            {i: PERCENT for i in range(8, 11)})
    s.sheet(N_("Shift"), head[:2] + [N_("Group"), N_("Shift in agree (percentage points)")], shifts, {3: POINTS})
    s.sheet(N_("Who moved"), head[:2] + [N_("Round 1"), N_("Round 2"), N_("Participants")], moves, {})
    trend = [row for p in report["propositions"] for row in _trend_rows(p, _)]
    if trend:
        s.sheet(N_("Trend"), head[:2] + [N_("Code"), N_("Date"), N_("Debate"), N_("Group"), N_("Voters"),
                                        _(CHOICE_NAMES["agree"]) + " %", N_("Since the previous debate"),
                                        N_("Verdict"), N_("Since the first"), N_("Verdict"), N_("Note")],
                trend, {7: PERCENT, 8: POINTS, 10: POINTS})
    questions = [[q["text"], q["name"], q["votes"], _(STATUSES.get(q["status"], q["status"])), q["to"]]
                 for q in report["questions"]]
    s.sheet(N_("Questions"), [N_("Question"), N_("Name"), N_("Upvotes"), N_("Status"), N_("Addressed to")],
            questions, {})
    buffer = io.BytesIO()
    s.book.save(buffer)
    return buffer.getvalue()


def csv_text(rows: list[list], excel: str | None = None) -> str:
    """Rows as CSV: for tools (`,`, decimal points), or `excel="nl"` for Dutch Excel
    (`;`, a BOM, decimal commas). Text cells are neutralised before numbers are written."""
    buffer = io.StringIO()
    dutch = excel == "nl"
    if dutch:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";" if dutch else ",")
    for row in rows:
        cells = [neutralised(cell) for cell in row]
        if dutch:
            cells = [str(cell).replace(".", ",") if isinstance(cell, float) else cell for cell in cells]
        writer.writerow(cells)
    return buffer.getvalue()
