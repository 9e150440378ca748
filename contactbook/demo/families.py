"""Demo families that can sign in at the families' portal: their numbers go into the demo rosters before the
import, as a school's export would carry them, so their guardian records are made by the real import.

One mother has a child in each demo school (the same number and email in both schools' records, and the same
father); another has a child in the lower secondary school only.
"""

from __future__ import annotations

from dataclasses import dataclass

from contactbook.phones import display_vn_phone


@dataclass(frozen=True)
class DemoFamily:
    phone: str  # E.164: the mother's number
    mother: str
    email: str | None
    slugs: tuple[str, ...]  # the demo schools where she has a child
    row: int = 0  # which student of each school's roster is her child
    father: tuple[str, str] | None = None  # name and number, when the family gives its children his name

    @property
    def shown_phone(self) -> str:
        """The number as a parent types it."""
        return display_vn_phone(self.phone)


DEMO_FAMILIES = (
    DemoFamily(
        "+84901234567",
        "Lê Thị Hồng Nhung",
        "nhung.le@example.vn",
        ("thcs-nguyen-du", "th-le-ngoc-han"),
        father=("Phạm Minh Tuấn", "+84901234569"),
    ),
    DemoFamily("+84901234568", "Đỗ Thị Mai", None, ("thcs-nguyen-du",), row=1),
)


def with_demo_families(slug: str, rows: list[dict[str, str]]) -> None:
    """Make the demo families the parents of their children in `rows`, the roster export of school `slug`."""
    for family in DEMO_FAMILIES:
        if slug not in family.slugs or family.row >= len(rows):
            continue
        row = rows[family.row]
        row["Họ tên mẹ"] = family.mother
        row["Điện thoại mẹ"] = family.shown_phone
        row["Email mẹ"] = family.email or ""
        if family.father is not None:
            name, phone = family.father
            row["Họ tên cha"], row["Điện thoại cha"] = name, display_vn_phone(phone)
            row["Họ và tên"] = " ".join([name.split()[0], *row["Họ và tên"].split()[1:]])
