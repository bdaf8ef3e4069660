"""The results as files: CSV variants and formula injection, without a server."""

from __future__ import annotations

import csv
import io

import openpyxl

from live import spreadsheet


def test_formula_injection_is_neutralised_in_every_variant_but_numbers_stay_numbers():
    """Text starting with = + - @ tab or CR gets an apostrophe; a negative number is still a number."""
    rows = [["text", "shift"], ["=1+1", -12.5], ["+31 6", 3.0], ["-x", 0.5], ["@A1", 1], ["\tx", 2], ["ok", None]]
    tools = list(csv.reader(io.StringIO(spreadsheet.csv_text(rows))))
    assert [row[0] for row in tools[1:]] == ["'=1+1", "'+31 6", "'-x", "'@A1", "'\tx", "ok"]
    assert tools[1][1] == "-12.5"
    text = spreadsheet.csv_text(rows, excel="nl")
    assert text.startswith("\ufeff")
    dutch = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert [row[0] for row in dutch[1:]] == ["'=1+1", "'+31 6", "'-x", "'@A1", "'\tx", "ok"]
    assert [row[1] for row in dutch[1:]] == ["-12,5", "3,0", "0,5", "1", "2", ""]


def test_workbook_cells_are_text_never_formulas():
    """In the workbook a proposition or question that looks like a formula is a text cell."""
    report = {"propositions": [{"id": "p1", "text": "=cmd|' /C calc'!A0", "rounds": {"1": {"voters": 0}},
                                "shift": None, "transitions": None}],
              "questions": [{"text": "@SUM(1)", "name": "-Anna", "votes": 2, "status": "visible", "to": None}]}
    book = openpyxl.load_workbook(io.BytesIO(spreadsheet.workbook(report, "en")))
    assert book.sheetnames == ["Results", "By perspective", "Hall and stream", "Shift", "Who moved", "Questions"]
    cell = book["Results"]["B2"]
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"
    assert book["Results"]["O2"].value == "Results not revealed"
    question = book["Questions"]["A2"]
    assert question.value == "@SUM(1)" and question.data_type == "s" and book["Questions"]["B2"].value == "-Anna"
