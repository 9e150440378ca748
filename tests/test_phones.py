"""Vietnamese mobile numbers: every prefix, the 2018 conversion, the ways people write them, and the refusals."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from contactbook import phones
from contactbook.phones import display_vn_phone, normalize_vn_phone

# Written out here rather than imported, so that a change to the module's tables has to be deliberate.
CARRIER_PREFIXES = [
    *(f"03{d}" for d in "23456789"),
    "052",
    "055",
    "056",
    "058",
    "059",
    "070",
    "076",
    "077",
    "078",
    "079",
    *(f"08{d}" for d in "123456789"),
    "090",
    "091",
    "092",
    "093",
    "094",
    "096",
    "097",
    "098",
    "099",
]
OLD_TO_NEW = [
    ("0120", "070"),
    ("0121", "079"),
    ("0122", "077"),
    ("0126", "076"),
    ("0128", "078"),
    ("0123", "083"),
    ("0124", "084"),
    ("0125", "085"),
    ("0127", "081"),
    ("0129", "082"),
    *((f"016{d}", f"03{d}") for d in "23456789"),
    ("0186", "056"),
    ("0188", "058"),
    ("0199", "059"),
]

EMPTY = "The phone number is empty."
NOT_DIGITS = "The phone number contains letters or other characters that are not digits."
SCIENTIFIC = (
    "Excel changed the phone number into a number like 9.12E+08; format the column as Text and type the number again."
)
SEVERAL = "Only one phone number per cell, please."
FOREIGN = "This is not a Vietnamese number."
LANDLINE = "This is a landline number; it cannot receive SMS."
TOO_FEW = "The phone number has too few digits."
TOO_MANY = "The phone number has too many digits."
NOT_MOBILE = "This prefix is not a Vietnamese mobile network."
OLD_UNKNOWN = "The old 11-digit number has an unknown prefix."


def test_the_prefix_lists_are_complete_and_match_the_module() -> None:
    assert len(set(CARRIER_PREFIXES)) == 36
    assert len(dict(OLD_TO_NEW)) == 21
    assert {prefix[1:] for prefix in CARRIER_PREFIXES} == phones.MOBILE_PREFIXES
    assert {old[1:]: new[1:] for old, new in OLD_TO_NEW} == phones.OLD_PREFIXES
    assert {new for _, new in OLD_TO_NEW} <= set(CARRIER_PREFIXES)


@pytest.mark.parametrize("prefix", CARRIER_PREFIXES)
@pytest.mark.parametrize("subscriber", ["1234567", "9876543"])
def test_every_carrier_prefix_is_accepted(prefix: str, subscriber: str) -> None:
    assert normalize_vn_phone(f"{prefix}{subscriber}") == f"+84{prefix[1:]}{subscriber}"


@pytest.mark.parametrize(("old", "new"), OLD_TO_NEW)
def test_every_old_prefix_is_converted_keeping_the_last_seven_digits(old: str, new: str) -> None:
    expected = f"+84{new[1:]}1234567"
    assert normalize_vn_phone(f"{old}1234567") == expected
    assert normalize_vn_phone(f"{old} 123 4567") == expected
    assert normalize_vn_phone(f"84{old[1:]}1234567") == expected
    assert normalize_vn_phone(f"+84 {old[1:]} 123 4567") == expected


@pytest.mark.parametrize(
    "written",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "091 234 5678",
        "(091) 234-5678",
        "84912345678",
        "84 912 345 678",
        "+84912345678",
        "+84 912 345 678",
        "+84-912-345-678",
        "(+84) 912 345 678",
        "(+84)912345678",
        "(84) 912 345 678",
        "0084912345678",
        "0084 912 345 678",
        "+84 (0) 912 345 678",
        "+84 0912345678",
        "'0912345678",
        "'0912 345 678",
        "'+84912345678",
        "912345678",
        "912345678.0",
        "84912345678.0",
        "  0912345678  ",
        "0912\u00a0345\u00a0678",
        "０９１２３４５６７８",
        "0912–345–678",
        "+84912345678\n",
    ],
)
def test_written_formats(written: str) -> None:
    assert normalize_vn_phone(written) == "+84912345678"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("01621234567", "+84321234567"),
        ("0162 123 4567", "+84321234567"),
        ("0162.123.4567", "+84321234567"),
        ("841621234567", "+84321234567"),
        ("+841621234567", "+84321234567"),
        ("(+84) 162 123 4567", "+84321234567"),
        ("00841621234567", "+84321234567"),
        ("'01621234567", "+84321234567"),
        ("1621234567", "+84321234567"),
        ("1991234567.0", "+84591234567"),
    ],
)
def test_old_numbers_in_every_written_format(written: str, expected: str) -> None:
    assert normalize_vn_phone(written) == expected


@pytest.mark.parametrize("prefix_digit", "35789")
def test_excel_dropped_the_leading_zero(prefix_digit: str) -> None:
    written = {"3": "321234567", "5": "561234567", "7": "701234567", "8": "861234567", "9": "981234567"}[prefix_digit]
    assert normalize_vn_phone(written) == f"+84{written}"


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("", EMPTY),
        ("   ", EMPTY),
        ("\t\n", EMPTY),
        ("'", EMPTY),
        ("-", EMPTY),
        ("abc", NOT_DIGITS),
        ("O912345678", NOT_DIGITS),
        ("0912345678 (mẹ)", NOT_DIGITS),
        ("0912 345 678 ext 12", NOT_DIGITS),
        ("0912#345678", NOT_DIGITS),
        ("0912+345678", NOT_DIGITS),
        ("9.12345678E8", SCIENTIFIC),
        ("9.12345678E+08", SCIENTIFIC),
        ("9,12345678E+08", SCIENTIFIC),
        ("8.4912345678e10", SCIENTIFIC),
        ("028 3829 1234", LANDLINE),
        ("(028) 3829-1234", LANDLINE),
        ("024 3825 1234", LANDLINE),
        ("02438251234", LANDLINE),
        ("0236 3123 456", LANDLINE),
        ("+84 28 3829 1234", LANDLINE),
        ("84 24 3825 1234", LANDLINE),
        ("0084 28 3829 1234", LANDLINE),
        ("2838291234", LANDLINE),
        ("+1 650 253 0000", FOREIGN),
        ("+65 9123 4567", FOREIGN),
        ("0065 9123 4567", FOREIGN),
        ("+86 138 0013 8000", FOREIGN),
        ("091234567", TOO_FEW),
        ("0912 345", TOO_FEW),
        ("+84", TOO_FEW),
        ("+84 912 345 67", TOO_FEW),
        ("0162123456", TOO_FEW),
        ("09123456789", TOO_MANY),
        ("+84 912 345 6789", TOO_MANY),
        ("016212345678", TOO_MANY),
        ("0111234567", NOT_MOBILE),
        ("0201234567", NOT_MOBILE),
        ("0401234567", NOT_MOBILE),
        ("0951234567", NOT_MOBILE),
        ("0301234567", NOT_MOBILE),
        ("+84 111 234 567", NOT_MOBILE),
        ("0912345678 / 0987654321", SEVERAL),
        ("0912345678; 0987654321", SEVERAL),
        ("0912345678, 0987 654 321", SEVERAL),
        ("0912345678 hoặc 0987654321", SEVERAL),
        ("0912345678 0987654321", SEVERAL),
        ("0912 345 678 0987 654 321", SEVERAL),
        ("+84912345678 +84987654321", SEVERAL),
        ("09123456780987654321", SEVERAL),
        ("0912345678\n0987654321", SEVERAL),
        ("01301234567", OLD_UNKNOWN),
        ("01001234567", OLD_UNKNOWN),
        ("+84 130 123 4567", OLD_UNKNOWN),
    ],
)
def test_bad_input_gets_the_most_helpful_message(written: str, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        normalize_vn_phone(written)
    assert str(excinfo.value) == message


def test_messages_are_a_small_fixed_set_without_values() -> None:
    expected = {EMPTY, NOT_DIGITS, SCIENTIFIC, SEVERAL, FOREIGN, LANDLINE, TOO_FEW, TOO_MANY, NOT_MOBILE, OLD_UNKNOWN}
    assert set(phones.MESSAGES) == expected
    assert len(phones.MESSAGES) == len(expected)
    assert not any("{" in message or "%" in message for message in expected)


def test_messages_are_marked_for_translation() -> None:
    tree = ast.parse(Path(phones.__file__).read_text(encoding="utf-8"))
    marked = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_"
        if isinstance(node.args[0], ast.Constant)
    }
    assert marked == set(phones.MESSAGES)


def test_module_stays_free_of_flask_and_the_database() -> None:
    tree = ast.parse(Path(phones.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"__future__", "re", "unicodedata", "phonenumbers", "contactbook.i18n"}


def test_the_result_is_already_normalised() -> None:
    assert normalize_vn_phone(normalize_vn_phone("0162 123 4567")) == "+84321234567"


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+84912345678", "0912 345 678"),
        ("+84321234567", "0321 234 567"),
        ("+84891234567", "0891 234 567"),
        ("+84521234567", "0521 234 567"),
    ],
)
def test_display_vn_phone(e164: str, shown: str) -> None:
    assert display_vn_phone(e164) == shown


def test_display_round_trips() -> None:
    for prefix in CARRIER_PREFIXES:
        e164 = f"+84{prefix[1:]}1234567"
        assert normalize_vn_phone(display_vn_phone(e164)) == e164


def test_display_refuses_what_is_not_a_mobile_number() -> None:
    with pytest.raises(ValueError, match="landline"):
        display_vn_phone("+842838291234")
