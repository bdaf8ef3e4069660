"""Colour vision in the tests: a PNG reader (Chromium's screenshots: 8-bit RGB or RGBA) and the
simulation of red-green colour blindness, so a test can judge what a person with deuteranopia sees.

The simulation is Machado, Oliveira and Fernandes (2009), severity 1.0, applied to linear sRGB; two
colours are compared by their CIE76 colour difference (ΔE*ab) in CIELAB (D65). See docs/accessibility.md.
"""

from __future__ import annotations

import struct
import zlib
from collections import Counter

DEUTERANOPIA = ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881))
PROTANOPIA = ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998))

RGB = tuple[int, int, int]


def read_png(data: bytes) -> tuple[int, int, list[bytes], int]:
    """(width, height, rows of raw pixels, bytes per pixel) of a non-interlaced 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * bpp, [], bytes(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = previous[x], previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows, bpp


def main_colour(image: tuple, box: dict) -> RGB:
    """The most frequent colour inside a box (CSS pixels of a screenshot at scale 1, read by read_png): a
    bar's own colour, under any stripes of its pattern."""
    _, _, rows, bpp = image
    seen: Counter = Counter()
    for y in range(int(box["y"]) + 2, int(box["y"] + box["height"]) - 2):
        row = rows[y]
        for x in range(int(box["x"]) + 2, int(box["x"] + box["width"]) - 2):
            seen[tuple(row[x * bpp:x * bpp + 3])] += 1
    return seen.most_common(1)[0][0]


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def simulate(rgb: RGB, matrix=DEUTERANOPIA) -> tuple[float, float, float]:
    """The colour as seen with the given colour-vision deficiency, in linear sRGB."""
    lin = [_linear(c) for c in rgb]
    return tuple(min(1.0, max(0.0, sum(m * c for m, c in zip(row, lin)))) for row in matrix)


def normal(rgb: RGB) -> tuple[float, float, float]:
    return tuple(_linear(c) for c in rgb)


def _lab(linear) -> tuple[float, float, float]:
    r, g, b = linear
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a, b) -> float:
    """CIE76 ΔE*ab between two linear-sRGB colours."""
    return sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b))) ** 0.5


def hex_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))
