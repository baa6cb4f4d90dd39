"""Footnote markers and exponents in a PDF page's characters: smaller characters raised right after a character
of the line ("55⁵", "Sequenceᵃ", "10⁻⁵") become superscript characters on that line.

Job: `superscripts(...)` over the per-character arrays of one page (pdf_lines.py calls it before it builds runs).
Glued to a value or a word, a marker would change it ("555", "Sequencea"), and its raised, smaller box would
start a line of its own. Non-goals: subscripts, markers drawn before their word, characters without a
superscript form (kept as they are).
"""

from __future__ import annotations

import numpy as np

_SUPERSCRIPT = str.maketrans("0123456789+-=()abcdefghijklmnoprstuvwxyz",
                             "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207a\u207b\u207c"
                             "\u207d\u207e\u1d43\u1d47\u1d9c\u1d48\u1d49\u1da0\u1d4d\u02b0\u2071\u02b2\u1d4f"
                             "\u02e1\u1d50\u207f\u1d52\u1d56\u02b3\u02e2\u1d57\u1d58\u1d5b\u02b7\u02e3\u02b8"
                             "\u1dbb")
_SUPERSCRIPT_CODES = np.zeros(128, dtype=np.uint32)
for _plain, _raised in _SUPERSCRIPT.items():
    _SUPERSCRIPT_CODES[_plain] = _raised


def superscripts(chars: np.ndarray, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
                 h: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A footnote marker or an exponent — smaller characters raised right after a character of the line
    ("55⁵", "Sequenceᵃ", "10⁻⁵") — becomes its superscript character, placed on the line of the character
    before it: glued to a value or a word it would change it ("555", "Sequencea"), and its raised, smaller
    box would start a line of its own. Also returns which characters became superscripts (no space before
    them)."""
    none = np.zeros(len(chars), dtype=bool)
    if len(chars) < 2:
        return chars, y0, y1, h, none
    prev = np.arange(len(chars)) - 1
    raised = np.zeros(len(chars), dtype=bool)
    raised[1:] = ((y0[1:] - y0[:-1] > 0.25 * h[:-1]) & (h[1:] < 0.85 * h[:-1]) & (y1[1:] >= y1[:-1] - 0.15 * h[:-1])
                  & (x0[1:] >= x1[:-1] - 0.2 * h[:-1]) & (x0[1:] - x1[:-1] < 0.6 * h[:-1]))
    if not raised.any():
        return chars, y0, y1, h, none
    # "¹²" and "⁻⁵": the characters right after a raised one, on its line and of its size, go on with it
    same = ((np.abs(y0[1:] - y0[:-1]) < 0.1 * h[:-1]) & (np.abs(h[1:] - h[:-1]) < 0.1 * h[:-1])
            & (x0[1:] - x1[:-1] < 0.3 * h[:-1]))
    for _ in range(3):  # markers and exponents are short
        goes_on = np.flatnonzero(raised[:-1] & ~raised[1:] & same) + 1
        if not len(goes_on):
            break
        raised[goes_on] = True
        prev[goes_on] = prev[goes_on - 1]
    minus = raised & (chars == 0x2212)  # "10⁻⁵" drawn with a minus sign
    mappable = raised & (chars < 128) & (_SUPERSCRIPT_CODES[np.minimum(chars, 127)] > 0) | minus
    if not mappable.any():
        return chars, y0, y1, h, none
    chars, y0, y1, h = chars.copy(), y0.copy(), y1.copy(), h.copy()
    base = prev[mappable]
    chars[mappable] = np.where(chars[mappable] == 0x2212, 0x207B, _SUPERSCRIPT_CODES[np.minimum(chars[mappable], 127)])
    y0[mappable], y1[mappable], h[mappable] = y0[base], y1[base], h[base]
    return chars, y0, y1, h, mappable
