"""Realistic, deterministic roster exports (as the sector database would produce) for demo and benchmarks."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from contactbook.roster.template import HEADERS
from contactbook.spreadsheet_export import csv_bytes

FAMILY_NAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
)
MIDDLE_MALE = ("Văn", "Minh", "Quốc", "Đức", "Gia", "Hữu", "Thanh", "Anh")
MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Bảo", "Khánh", "Mai", "Thanh", "Phương")
GIVEN_MALE = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Huy",
    "Khoa",
    "Long",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Tùng",
    "Việt",
    "Khang",
    "Hải",
    "Đạt",
    "Tuấn",
    "Trí",
)
GIVEN_FEMALE = (
    "Anh",
    "Châu",
    "Diệp",
    "Giang",
    "Hà",
    "Hương",
    "Lan",
    "Linh",
    "My",
    "Ngân",
    "Nhi",
    "Oanh",
    "Quỳnh",
    "Trang",
    "Uyên",
    "Vy",
    "Yến",
    "Thảo",
)
MOBILE_PREFIXES = (
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "38",
    "39",
    "70",
    "76",
    "77",
    "78",
    "79",
    "81",
    "82",
    "83",
    "84",
    "85",
    "86",
    "88",
    "89",
    "90",
    "91",
    "93",
    "94",
    "96",
    "97",
    "98",
)


def _person(rng: random.Random, family: str, male: bool) -> str:
    middle = rng.choice(MIDDLE_MALE if male else MIDDLE_FEMALE)
    given = rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
    return f"{family} {middle} {given}"


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        digits = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        if digits not in used:
            used.add(digits)
            # Written as clerks write them: with a leading 0, spaced or dotted.
            style = rng.randrange(3)
            if style == 0:
                return f"0{digits}"
            if style == 1:
                return f"0{digits[:3]} {digits[3:6]} {digits[6:]}"
            return f"0{digits[:3]}.{digits[3:6]}.{digits[6:]}"


def generate_roster(
    classes: Sequence[tuple[str, int]], per_class: int, *, year_start: int, seed: int = 2025, id_prefix: str = "79"
) -> list[dict[str, str]]:
    """Rows of an export: `per_class` students in each (class name, grade level), with one or two parents.

    About a third of the students have only one parent listed, and one family in twelve has two children
    in the school (the same parents' phones), so 1,000 students come with about 1,500 guardians.
    """
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    used_phones: set[str] = set()
    rows: list[dict[str, str]] = []
    families: list[dict[str, str]] = []
    serial = 0
    for class_name, grade in classes:
        for _ in range(per_class):
            serial += 1
            male = rng.random() < 0.5
            if families and rng.random() < 1 / 12:
                parents = rng.choice(families)
                family = parents["family"]
            else:
                family = rng.choice(FAMILY_NAMES)
                parents = {"family": family}
                if rng.random() < 0.85:
                    parents["father"] = _person(rng, family, True)
                    parents["father_phone"] = _phone(rng, used_phones)
                if "father" not in parents or rng.random() < 0.8:
                    parents["mother"] = _person(rng, rng.choice(FAMILY_NAMES), False)
                    parents["mother_phone"] = _phone(rng, used_phones)
                    if rng.random() < 0.3:
                        parents["mother_email"] = f"ph{serial}@example.edu.vn"
                families.append(parents)
            born = date(year_start - 5 - grade, 1, 1) + timedelta(days=rng.randrange(365))
            row = dict.fromkeys(HEADERS, "")
            row.update(
                {
                    "Mã định danh": f"{id_prefix}{serial:08d}",
                    "Họ và tên": _person(rng, family, male),
                    "Ngày sinh": born.strftime("%d/%m/%Y"),
                    "Giới tính": "Nam" if male else "Nữ",
                    "Lớp": class_name,
                    "Họ tên cha": parents.get("father", ""),
                    "Điện thoại cha": parents.get("father_phone", ""),
                    "Họ tên mẹ": parents.get("mother", ""),
                    "Điện thoại mẹ": parents.get("mother_phone", ""),
                    "Email mẹ": parents.get("mother_email", ""),
                }
            )
            rows.append(row)
    return rows


def to_csv(rows: list[dict[str, str]], delimiter: str = ",", bom: bool = True) -> bytes:
    """The rows as a UTF-8 CSV file, as Excel's 'CSV UTF-8' saves it (with a BOM)."""
    return csv_bytes(HEADERS, [[row.get(h, "") for h in HEADERS] for row in rows], delimiter=delimiter, bom=bom)
