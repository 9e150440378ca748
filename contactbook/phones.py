"""Normalise Vietnamese mobile numbers as people type them (and Excel mangles them) to E.164.

`phonenumbers` validates, but two tables here are ours on purpose: the 2018 eleven-to-ten-digit
conversion is history that libphonenumber does not apply to old numbers, and our list of mobile
prefixes in use is authoritative, because libphonenumber's metadata lags behind the carriers'
allocations (in 9.0.43 it rejects parts of 052, 055, 089 and 099). Pure module: no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from contactbook.i18n import N_

EMPTY = N_("The phone number is empty.")
NOT_DIGITS = N_("The phone number contains letters or other characters that are not digits.")
SCIENTIFIC = N_(
    "Excel changed the phone number into a number like 9.12E+08; format the column as Text and type the number again."
)
SEVERAL = N_("Only one phone number per cell, please.")
FOREIGN = N_("This is not a Vietnamese number.")
LANDLINE = N_("This is a landline number; it cannot receive SMS.")
TOO_FEW = N_("The phone number has too few digits.")
TOO_MANY = N_("The phone number has too many digits.")
NOT_MOBILE = N_("This prefix is not a Vietnamese mobile network.")
OLD_UNKNOWN = N_("The old 11-digit number has an unknown prefix.")

MESSAGES: tuple[str, ...] = (
    EMPTY,
    NOT_DIGITS,
    SCIENTIFIC,
    SEVERAL,
    FOREIGN,
    LANDLINE,
    TOO_FEW,
    TOO_MANY,
    NOT_MOBILE,
    OLD_UNKNOWN,
)

# Prefixes without the trunk 0: two digits after +84 (new) and three digits of the national number (old).
MOBILE_PREFIXES: frozenset[str] = frozenset(
    [f"3{d}" for d in "23456789"]
    + ["52", "55", "56", "58", "59", "70", "76", "77", "78", "79"]
    + [f"8{d}" for d in "123456789"]
    + ["90", "91", "92", "93", "94", "96", "97", "98", "99"]
)
OLD_PREFIXES: dict[str, str] = {
    "120": "70",
    "121": "79",
    "122": "77",
    "126": "76",
    "128": "78",
    "123": "83",
    "124": "84",
    "125": "85",
    "127": "81",
    "129": "82",
    **{f"16{d}": f"3{d}" for d in "23456789"},
    "186": "56",
    "188": "58",
    "199": "59",
}

_NATIONAL_LENGTH = 9  # digits after +84 (or after the trunk 0) for mobiles
_OLD_NATIONAL_LENGTH = 10  # the same for pre-2018 eleven-digit numbers
_LANDLINE_NATIONAL_LENGTH = 10  # 02x area code + subscriber number, without the trunk 0
_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)

_APOSTROPHES = "'‘’`"
_FORMATTING = re.compile(r"[\s.()\-‐‑‒–—\u200b\u200c\u200d\ufeff]+")
_EXCEL_FLOAT = re.compile(r"^(\+?\d+)\.0+$")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_SEPARATORS = re.compile(r"[/;,|\\&\n\r]|\s(?:or|and|hoặc|hoac|và|va)\s", re.IGNORECASE)
_MIN_DIGITS_PER_NUMBER = 7  # a separated part this long is a phone number, not a stray group of digits


def normalize_vn_phone(raw: str) -> str:
    """Return the E.164 form (`+84` + 9 digits) of a Vietnamese mobile number, or raise ValueError."""
    text = _clean(raw)
    parts = [part for part in _SEPARATORS.split(text) if part and part.strip()]
    if len(parts) > 1 and sum(_digit_count(part) >= _MIN_DIGITS_PER_NUMBER for part in parts) > 1:
        raise ValueError(SEVERAL)
    try:
        return _normalize_one(text)
    except ValueError:
        if _holds_several_numbers(text):
            raise ValueError(SEVERAL) from None
        raise


def display_vn_phone(e164: str) -> str:
    """Return the domestic form grouped for reading, e.g. `+84912345678` -> `0912 345 678`."""
    national = "0" + normalize_vn_phone(e164)[3:]
    return f"{national[:4]} {national[4:7]} {national[7:]}"


def _clean(raw: str) -> str:
    """Unify Unicode look-alikes, trim whitespace and drop the apostrophe Excel uses to force text."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if text[:1] in _APOSTROPHES:
        text = text[1:].strip()
    return text


def _digit_count(text: str) -> int:
    """Count the ASCII digits in `text`."""
    return sum(char in "0123456789" for char in text)


def _normalize_one(text: str) -> str:
    """Normalise text that should hold a single number (already cleaned)."""
    if not text:
        raise ValueError(EMPTY)
    if _SCIENTIFIC.match(text):
        raise ValueError(SCIENTIFIC)
    excel_float = _EXCEL_FLOAT.match(text)
    if excel_float:
        text = excel_float.group(1)
    compact = _FORMATTING.sub("", text)
    if not compact or compact == "+":
        raise ValueError(EMPTY)
    plus, digits = compact.startswith("+"), compact.lstrip("+")
    if compact.count("+") > 1 or not digits.isascii() or not digits.isdigit():
        raise ValueError(NOT_DIGITS)
    return _from_national(*_national_part(digits, plus))


def _national_part(digits: str, plus: bool) -> tuple[str, bool]:
    """Strip `+84`/`0084`/`84`/the trunk 0; return (national number, whether a 0 or 84 was written)."""
    if plus and not digits.startswith("0"):
        international = digits
    elif digits.startswith("00") and digits[2:3] not in ("", "0"):
        international = digits[2:]
    elif digits.startswith("84") and len(digits) > _NATIONAL_LENGTH:
        international = digits
    elif digits.startswith("0"):
        return digits[1:], True
    else:
        return digits, False  # Excel dropped the leading 0
    if not international.startswith("84"):
        raise ValueError(FOREIGN)
    national = international[2:]
    if national.startswith("0"):  # `+84 (0) 912…` or `+84 0912…`
        national = national[1:]
    return national, True


def _from_national(national: str, prefixed: bool) -> str:
    """Turn a national number (no trunk 0) into E.164, converting old numbers and rejecting non-mobiles."""
    if national.startswith("2") and _looks_like_landline(national):
        raise ValueError(LANDLINE)
    if national.startswith("1"):
        if len(national) > _OLD_NATIONAL_LENGTH:
            raise ValueError(TOO_MANY)
        if len(national) == _OLD_NATIONAL_LENGTH:
            new_prefix = OLD_PREFIXES.get(national[:3])
            if new_prefix is None:
                raise ValueError(OLD_UNKNOWN if prefixed else NOT_MOBILE)
            national = new_prefix + national[3:]
        elif national[:3] in OLD_PREFIXES:
            raise ValueError(TOO_FEW)  # an old number with a digit missing
    if len(national) < _NATIONAL_LENGTH:
        raise ValueError(TOO_FEW)
    if len(national) > _NATIONAL_LENGTH:
        raise ValueError(TOO_MANY)
    if national[:2] not in MOBILE_PREFIXES:
        raise ValueError(NOT_MOBILE)
    number = phonenumbers.parse("0" + national, "VN")
    if not (phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in _MOBILE_TYPES):
        # libphonenumber's metadata lags our prefix list; the prefix and the length are already checked.
        number = phonenumbers.PhoneNumber(country_code=84, national_number=int(national))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _looks_like_landline(national: str) -> bool:
    """Whether `national` (starting with 2) is a landline: full length, Hanoi/HCMC, or known to libphonenumber."""
    if len(national) >= _LANDLINE_NATIONAL_LENGTH or national[:2] in ("24", "28"):
        return True
    number = phonenumbers.parse("0" + national, "VN")
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) == (
        phonenumbers.PhoneNumberType.FIXED_LINE
    )


def _holds_several_numbers(text: str) -> bool:
    """Whether `text` is two valid numbers side by side, separated by spaces or not at all."""
    if _digit_count(text) < 2 * _NATIONAL_LENGTH:
        return False
    tokens = text.split()
    candidates = [(" ".join(tokens[:i]), " ".join(tokens[i:])) for i in range(1, len(tokens))]
    compact = _FORMATTING.sub("", text)
    if compact.isascii() and compact.isdigit():
        candidates += [(compact[:i], compact[i:]) for i in range(_NATIONAL_LENGTH, len(compact) - _NATIONAL_LENGTH + 1)]
    return any(_is_valid(first) and _is_valid(second) for first, second in candidates)


def _is_valid(text: str) -> bool:
    """Whether `text` alone normalises to a mobile number."""
    try:
        _normalize_one(_clean(text))
    except ValueError:
        return False
    return True
