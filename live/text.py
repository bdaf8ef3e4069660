"""Text as people type it, made safe to store and to show on a projector. Pure."""

from __future__ import annotations

import re
import unicodedata


def clean_text(value: str) -> str:
    """NFC-normalised text without control or format characters, outer space trimmed.

    Newlines and tabs become spaces; bidi overrides and zero-width characters (category
    Cf) go, so a line cannot reorder or hide what the projector shows.
    """
    value = unicodedata.normalize("NFC", value)
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if char in "\n\t\r":
            kept.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            kept.append(char)
    return " ".join("".join(kept).split())


def series_key(name: str) -> str:
    """The key of a series in Redis (keys.series): its name in lower case ASCII letters and
    digits joined by "-", so "Werkplaatsen jubileumdebat" and "werkplaatsen  Jubileumdebat" are one."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_name))[:80]
