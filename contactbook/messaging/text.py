"""SMS text rules: which alphabet a message needs, how many segments it is billed as, and its unaccented form.

Pure functions of plain values; nothing here touches Flask or the database.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# The GSM 03.38 default alphabet, in table order. Position 0x1B (escape to the extension table) is
# left out on purpose: it is a control code, not a character, and a literal ESC in a message would
# swallow the character after it, so text containing one is not sendable as GSM-7.
GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Sent as ESC + code, so each of these counts as two characters.
GSM7_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")
GSM7_ALL: frozenset[str] = GSM7_BASIC | GSM7_EXTENSION

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Typographic characters from word processors, mapped to plain ones; "" drops invisible characters.
_PLAIN: dict[str, str] = {
    **dict.fromkeys("‘’‚‛′‹›`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    **dict.fromkeys("•‣◦⁃∙·●▪", "-"),
    "…": "...",
    **dict.fromkeys("\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a", " "),
    **dict.fromkeys("\u202f\u205f\u3000", " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
    # Skin-tone modifiers belong to the emoji before them, which already becomes one '?'.
    **dict.fromkeys("\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff", ""),
    **dict.fromkeys("\v\x85\u2028\u2029", "\n"),
    # Base letters that Unicode does not decompose. U+00D0 (Icelandic eth) turns up in place of Đ in
    # text converted from legacy Vietnamese encodings.
    "đ": "d",
    "Đ": "D",
    "Ð": "D",
}
_PLAIN_TABLE = str.maketrans(_PLAIN)
_MARKS = frozenset({"Mn", "Me"})


def is_gsm7(text: str) -> bool:
    """True when every character of `text` can be sent in the GSM-7 alphabet."""
    return GSM7_ALL.issuperset(text)


def _segments(units: list[int], single: int, part: int) -> int:
    """Segments for characters of the given widths; a two-unit character never straddles two segments."""
    if not units:
        return 0
    if sum(units) <= single:
        return 1
    count, used = 1, 0
    for width in units:
        if used + width > part:
            count, used = count + 1, 0
        used += width
    return count


def sms_segments(text: str) -> tuple[Encoding, int]:
    """The encoding `text` needs and the number of SMS segments it is billed as; empty text is 0 segments.

    GSM-7: 160 characters fit one SMS, 153 per segment beyond that, extension characters count twice.
    Any other character makes the whole message UCS-2: 70 UTF-16 units in one SMS, 67 per segment
    (a character outside the Basic Multilingual Plane, such as an emoji, is two units).
    """
    if is_gsm7(text):
        if GSM7_EXTENSION.isdisjoint(text) and len(text) <= GSM7_SINGLE:
            return "GSM-7", 1 if text else 0  # the common case, without a width per character
        return "GSM-7", _segments([2 if ch in GSM7_EXTENSION else 1 for ch in text], GSM7_SINGLE, GSM7_PART)
    return "UCS-2", _segments([2 if ord(ch) > 0xFFFF else 1 for ch in text], UCS2_SINGLE, UCS2_PART)


def to_gsm(text: str) -> str:
    """The unaccented plain form of `text`, always sendable as GSM-7.

    Every letter with a diacritic becomes its base letter, including those GSM-7 could carry (é, à,
    Ñ...), so unaccented Vietnamese reads the same throughout; đ/Đ become d/D; typographic quotes,
    dashes, bullets, ellipses and unusual spaces become plain ones and invisible characters are
    dropped; anything still outside GSM-7 becomes '?'.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_PLAIN_TABLE))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) not in _MARKS)
    # Recompose what decomposition split without marks (Hangul), so one unknown character is one '?'.
    bare = unicodedata.normalize("NFC", bare)
    return "".join(ch if ch in GSM7_BASIC or ch in GSM7_EXTENSION else "?" for ch in bare)


def cost(segments: int, recipients: int, price_per_segment: int) -> int:
    """What sending `segments` segments to each of `recipients` costs, in đồng."""
    if segments < 0 or recipients < 0 or price_per_segment < 0:
        raise ValueError("segments, recipients and price must not be negative")
    return segments * recipients * price_per_segment
