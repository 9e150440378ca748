"""A roster file never damages a class: bad rows cover nothing, many leavers need a tick, absent columns keep."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from contactbook.models import EnrolmentStatus, Gender, RosterImport
from contactbook.roster import services
from contactbook.roster.imports import ClassWarning, ImportPlan
from tests.factories import SchoolPeople, World
from tests.roster.import_support import (
    NO_VALID_ROW,
    YearClasses,
    csv_file,
    csv_of_columns,
    enrolment_of,
    generated_rows,
    guardians_of,
    import_roster,
    roster_state,
    student,
    student_row,
)
from tests.support import audit_rows

REQUIRED_HEADERS = ["Mã định danh", "Họ và tên", "Ngày sinh", "Lớp"]


@pytest.fixture
def two_classes_of_30(world: World, alpha: YearClasses) -> list[dict[str, str]]:
    """6A1 and 6A2 with 30 students each, imported with their parents."""
    rows = generated_rows(per_class=30)
    import_roster(world.a, alpha, csv_file(rows))
    return rows


def start(people: SchoolPeople, year: YearClasses, content: bytes) -> tuple[RosterImport, ImportPlan]:
    return services.start_import(people.school, people.admin, year.year, "danh-sach.csv", content)


def in_class(rows: list[dict[str, str]], name: str) -> list[dict[str, str]]:
    return [row for row in rows if row["Lớp"] == name]


def bad_rows(class_name: str, count: int) -> list[dict[str, str]]:
    """Rows of new students naming `class_name`, each with an impossible date of birth."""
    return [student_row(f"7990000000{n}", "Lê Thị Hoa", class_name, date_of_birth="31/02/2013") for n in range(count)]


# --- A file without a valid row ---------------------------------------------------------------------


def test_a_file_without_a_valid_row_plans_nothing_and_its_confirm_is_refused(
    world: World, alpha: YearClasses, two_classes_of_30: list[dict[str, str]]
) -> None:
    before = roster_state(world.a.school.id)
    record, plan = start(world.a, alpha, csv_file(bad_rows("6A1", 3)))

    assert (plan.leaving, plan.skipped_lines, plan.has_valid_rows) == ([], [2, 3, 4], False)
    with pytest.raises(services.ImportRefused) as refused:
        services.confirm_import(world.a.school, world.a.admin, record, allow_many_left=True)
    assert str(refused.value) == NO_VALID_ROW
    assert roster_state(world.a.school.id) == before
    assert record.status == "pending"


def test_only_valid_rows_say_which_classes_the_file_covers(
    world: World, alpha: YearClasses, two_classes_of_30: list[dict[str, str]]
) -> None:
    # Every 6A1 student, and one bad row naming 6A2: 6A2 is not covered by this file.
    content = csv_file([*in_class(two_classes_of_30, "6A1"), *bad_rows("6A2", 1)])

    plan = import_roster(world.a, alpha, content)

    assert (plan.leaving, plan.skipped_lines) == ([], [32])
    statuses = {enrolment_of(world.a.school.id, row["Mã định danh"]) for row in in_class(two_classes_of_30, "6A2")}
    assert statuses == {("6A2", EnrolmentStatus.ACTIVE)}


# The ways a school's file may spell a student's id that the import refuses (ids are ASCII digits only).
MISSPELT_IDS = {
    "spaces": lambda nid: f"{nid[:4]} {nid[4:]}",
    "full-width digits": lambda nid: "".join(chr(ord("０") + int(d)) for d in nid),
    "arabic-indic digits": lambda nid: "".join(chr(ord("٠") + int(d)) for d in nid),
    "an apostrophe": lambda nid: f"'{nid}",
    "a decimal point": lambda nid: f"{nid}.0",
    "a zero-width space": lambda nid: f"\u200b{nid}",
}


@pytest.mark.parametrize("spell", MISSPELT_IDS.values(), ids=MISSPELT_IDS.keys())
def test_a_student_whose_row_is_refused_for_the_spelling_of_its_id_stays_in_its_class(
    world: World,
    alpha: YearClasses,
    two_classes_of_30: list[dict[str, str]],
    spell: Callable[[str], str],
) -> None:
    six_a1 = in_class(two_classes_of_30, "6A1")
    misspelt = {**six_a1[0], "Mã định danh": spell(six_a1[0]["Mã định danh"])}

    plan = import_roster(world.a, alpha, csv_file([misspelt, *six_a1[1:]]))

    assert (plan.skipped_lines, plan.leaving) == ([2], [])
    assert enrolment_of(world.a.school.id, six_a1[0]["Mã định danh"]) == ("6A1", EnrolmentStatus.ACTIVE)


# --- Many students leaving one class ----------------------------------------------------------------


def test_many_students_leaving_a_class_is_a_warning_and_the_confirm_needs_the_tick(
    world: World, alpha: YearClasses, two_classes_of_30: list[dict[str, str]]
) -> None:
    six_a1 = in_class(two_classes_of_30, "6A1")
    content = csv_file([*six_a1[:24], *in_class(two_classes_of_30, "6A2")])  # 6 of 6A1's 30 are missing
    before = roster_state(world.a.school.id)
    record, plan = start(world.a, alpha, content)
    assert plan.warnings == [ClassWarning("6A1", 6, 30)]

    with pytest.raises(services.ImportRefused) as refused:
        services.confirm_import(world.a.school, world.a.admin, record)
    assert refused.value.classes == ["6A1"]
    assert roster_state(world.a.school.id) == before

    services.confirm_import(world.a.school, world.a.admin, record, allow_many_left=True)
    left = {row["Mã định danh"] for row in six_a1[24:]}
    assert {enrolment_of(world.a.school.id, nid) for nid in left} == {("6A1", EnrolmentStatus.LEFT)}
    [audited] = audit_rows("roster.imported", world.a.school.id)[1:]  # after the first import's
    assert (audited.details["left"], audited.details["many_left_in"]) == (6, ["6A1"])


def test_a_few_students_leaving_a_large_class_needs_no_tick(
    world: World, alpha: YearClasses, two_classes_of_30: list[dict[str, str]]
) -> None:
    six_a1 = in_class(two_classes_of_30, "6A1")
    plan = import_roster(world.a, alpha, csv_file(six_a1[:25]))  # 5 of 30: neither over 5 nor over a fifth
    assert (len(plan.leaving), plan.warnings) == (5, [])
    assert enrolment_of(world.a.school.id, six_a1[29]["Mã định danh"]) == ("6A1", EnrolmentStatus.LEFT)


# --- Columns absent from the file -------------------------------------------------------------------


def test_a_file_without_guardian_columns_keeps_every_guardian_link_and_field(
    world: World, alpha: YearClasses, two_classes_of_30: list[dict[str, str]]
) -> None:
    before = roster_state(world.a.school.id)
    content = csv_of_columns(in_class(two_classes_of_30, "6A2"), REQUIRED_HEADERS)

    plan = import_roster(world.a, alpha, content)

    assert (len(plan.unchanged), plan.updated, plan.changes_anything) == (30, [], False)
    assert roster_state(world.a.school.id) == before
    assert before["links"]  # the class's families were linked, and still are


def test_a_file_with_the_fathers_columns_only_changes_the_father_and_keeps_the_mother(
    world: World, alpha: YearClasses
) -> None:
    both = student_row(
        "79000000001",
        "Nguyễn Văn An",
        father_name="Nguyễn Văn Bình",
        father_phone="0912345678",
        mother_name="Lê Thị Cúc",
        mother_phone="0987654321",
    )
    import_roster(world.a, alpha, csv_file([both]))
    new_father = {**both, "Họ tên cha": "Trần Văn Phúc", "Điện thoại cha": "0903111222"}

    import_roster(world.a, alpha, csv_of_columns([new_father], [*REQUIRED_HEADERS, "Họ tên cha", "Điện thoại cha"]))

    assert guardians_of(world.a.school.id, "79000000001") == {
        ("father", "Trần Văn Phúc", "+84903111222", None),
        ("mother", "Lê Thị Cúc", "+84987654321", None),
    }


def test_a_file_without_the_gender_column_keeps_each_students_gender(world: World, alpha: YearClasses) -> None:
    bich = student_row("79000000002", "Trần Thị Bích", gender="Nữ")
    import_roster(world.a, alpha, csv_file([bich]))

    plan = import_roster(world.a, alpha, csv_of_columns([{**bich, "Họ và tên": "Trần Ngọc Bích"}], REQUIRED_HEADERS))

    assert [c.fields for c in plan.updated] == [["full_name"]]
    assert (student(world.a.school.id, "79000000002").gender, student(world.a.school.id, "79000000002").full_name) == (
        Gender.FEMALE,
        "Trần Ngọc Bích",
    )


def test_an_empty_cell_of_a_present_column_still_clears_it(world: World, alpha: YearClasses) -> None:
    bich = student_row("79000000002", "Trần Thị Bích", gender="Nữ")
    import_roster(world.a, alpha, csv_file([bich]))

    plan = import_roster(world.a, alpha, csv_file([{**bich, "Giới tính": ""}]))

    assert [c.fields for c in plan.updated] == [["gender"]]
    assert student(world.a.school.id, "79000000002").gender is None
