"""`flask roster import FILE --school SLUG [--year NAME] [--dry-run]`: the web page's rules from a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from contactbook.roster.template import roster_xlsx
from tests.factories import World
from tests.roster.import_support import (
    BAD_DATE,
    DUPLICATE_ID,
    EMPTY_COUNTS,
    NO_VALID_ROW,
    NOT_XLSX,
    UNKNOWN_CLASS,
    YearClasses,
    counts_after_import,
    csv_file,
    generated_rows,
    import_count,
    import_roster,
    make_year,
    roster_counts,
    roster_state,
    student_row,
)
from tests.support import audit_rows


def roster_import(app: Flask, path: Path, *options: str) -> Result:
    """Run the command as an operator would (through Click, in the test's transaction)."""
    return app.test_cli_runner().invoke(args=["roster", "import", str(path), *options])


def write(tmp_path: Path, content: bytes, name: str = "danh-sach.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def summary_line(verb: str, school: str, created: int, unchanged: int, guardians: int, skipped: int) -> str:
    return (
        f"{verb} into {school} 2025-2026: {created} created, 0 updated, {unchanged} unchanged, 0 marked as left, "
        f"{guardians} new guardians; {skipped} rows skipped."
    )


def test_a_dry_run_prints_what_would_change_and_writes_nothing(
    app: Flask, world: World, alpha: YearClasses, tmp_path: Path
) -> None:
    rows = generated_rows(per_class=5)
    result = roster_import(app, write(tmp_path, csv_file(rows)), "--school", "alpha", "--dry-run")
    assert result.exit_code == 0, result.output
    guardians = counts_after_import(rows)["guardians"]
    assert result.stdout.splitlines()[-1] == summary_line("Would import", "alpha", 10, 0, guardians, 0)
    assert (roster_counts(world.a.school.id), import_count(world.a.school.id)) == (EMPTY_COUNTS, 0)
    assert audit_rows("roster.imported") == []


def test_the_import_writes_every_row_and_is_audited(
    app: Flask, world: World, alpha: YearClasses, tmp_path: Path
) -> None:
    rows = generated_rows(per_class=5)
    result = roster_import(app, write(tmp_path, csv_file(rows)), "--school", "alpha")
    assert result.exit_code == 0, result.output
    expected = counts_after_import(rows)
    assert result.stdout.splitlines()[-1] == summary_line("Imported", "alpha", 10, 0, expected["guardians"], 0)
    assert roster_counts(world.a.school.id) == expected
    [audit] = audit_rows("roster.imported", world.a.school.id)
    assert (audit.actor_id, audit.details["via"], audit.details["created"]) == (None, "cli", 10)


def test_the_progress_bar_counts_the_rows(app: Flask, world: World, alpha: YearClasses, tmp_path: Path) -> None:
    result = roster_import(app, write(tmp_path, csv_file(generated_rows(per_class=5))), "--school", "alpha")
    assert "Checking 10 rows" in result.stdout


def test_an_xlsx_file_is_imported_too(app: Flask, world: World, alpha: YearClasses, tmp_path: Path) -> None:
    rows = generated_rows(per_class=3)
    result = roster_import(app, write(tmp_path, roster_xlsx(rows), "danh-sach.xlsx"), "--school", "alpha")
    assert result.exit_code == 0, result.output
    assert roster_counts(world.a.school.id) == counts_after_import(rows)


def test_importing_the_same_file_again_changes_nothing(
    app: Flask, world: World, alpha: YearClasses, tmp_path: Path
) -> None:
    path = write(tmp_path, csv_file(generated_rows(per_class=5)))
    roster_import(app, path, "--school", "alpha")
    before = roster_state(world.a.school.id)
    result = roster_import(app, path, "--school", "alpha")
    assert result.stdout.splitlines()[-1] == summary_line("Imported", "alpha", 0, 10, 0, 0)
    assert roster_state(world.a.school.id) == before


def test_bad_rows_are_printed_with_line_column_value_and_reason(
    app: Flask, world: World, alpha: YearClasses, tmp_path: Path
) -> None:
    rows = generated_rows(per_class=4)
    rows[3]["Ngày sinh"] = "31/02/2013"
    rows[6]["Lớp"] = "9A9"
    rows[7]["Mã định danh"] = rows[0]["Mã định danh"]
    result = roster_import(app, write(tmp_path, csv_file(rows)), "--school", "alpha")
    assert result.exit_code == 0, result.output
    twice = DUPLICATE_ID % {"lines": "2, 9"}
    nid = rows[0]["Mã định danh"]
    assert result.stderr.splitlines() == [
        f"line 2, column 'Mã định danh', value '{nid}': {twice}",
        f"line 5, column 'Ngày sinh', value '31/02/2013': {BAD_DATE}",
        f"line 8, column 'Lớp', value '9A9': {UNKNOWN_CLASS}",
        f"line 9, column 'Mã định danh', value '{nid}': {twice}",
    ]
    assert result.stdout.splitlines()[-1].endswith("; 4 rows skipped.")
    assert roster_counts(world.a.school.id)["students"] == 4


def test_a_dry_run_prints_bad_rows_too(app: Flask, world: World, alpha: YearClasses, tmp_path: Path) -> None:
    rows = generated_rows(per_class=2)
    rows[1]["Ngày sinh"] = "31/02/2013"
    result = roster_import(app, write(tmp_path, csv_file(rows)), "--school", "alpha", "--dry-run")
    assert result.stderr.splitlines() == [f"line 3, column 'Ngày sinh', value '31/02/2013': {BAD_DATE}"]
    assert roster_counts(world.a.school.id) == EMPTY_COUNTS


def test_the_named_school_year_is_used(app: Flask, world: World, alpha: YearClasses, tmp_path: Path) -> None:
    path = write(tmp_path, csv_file(generated_rows(per_class=1)))
    result = roster_import(app, path, "--school", "alpha", "--year", "2025-2026")
    assert result.exit_code == 0, result.output
    assert roster_counts(world.a.school.id)["enrolments"] == 2


def test_an_unknown_school_fails_with_a_clear_message(
    app: Flask, world: World, alpha: YearClasses, tmp_path: Path
) -> None:
    result = roster_import(app, write(tmp_path, csv_file(generated_rows())), "--school", "nowhere")
    assert result.exit_code == 1
    assert "Error: No school with the slug 'nowhere'." in result.stderr


def test_an_unknown_school_year_fails_with_a_clear_message(
    app: Flask, world: World, alpha: YearClasses, tmp_path: Path
) -> None:
    path = write(tmp_path, csv_file(generated_rows()))
    result = roster_import(app, path, "--school", "alpha", "--year", "2030-2031")
    assert result.exit_code == 1
    assert "Error: No such school year: create it (and its classes) first." in result.stderr
    assert roster_counts(world.a.school.id) == EMPTY_COUNTS


def test_an_unreadable_file_fails_with_its_reason_and_writes_nothing(
    app: Flask, world: World, alpha: YearClasses, tmp_path: Path
) -> None:
    path = write(tmp_path, b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "danh-sach.xlsx")
    result = roster_import(app, path, "--school", "alpha")
    assert result.exit_code == 1
    assert f"Error: {NOT_XLSX}" in result.stderr
    assert roster_counts(world.a.school.id) == EMPTY_COUNTS


def test_missing_columns_are_named(app: Flask, world: World, alpha: YearClasses, tmp_path: Path) -> None:
    path = write(tmp_path, "STT,Họ và tên,Lớp\r\n1,Nguyễn Văn An,6A1\r\n".encode())
    result = roster_import(app, path, "--school", "alpha")
    assert result.exit_code == 1
    assert "Error: Missing required columns: Mã định danh, Ngày sinh" in result.stderr


def test_an_import_into_one_school_leaves_the_other_untouched(
    app: Flask, world: World, alpha: YearClasses, tmp_path: Path
) -> None:
    path = write(tmp_path, csv_file(generated_rows(per_class=3)))
    roster_import(app, path, "--school", "alpha")
    alpha_before = roster_state(world.a.school.id)
    make_year(world.b)
    result = roster_import(app, path, "--school", "beta")
    assert result.stdout.splitlines()[-1].startswith("Imported into beta 2025-2026: 6 created,")
    assert roster_state(world.a.school.id) == alpha_before
    assert roster_counts(world.b.school.id) == roster_counts(world.a.school.id)


# --- Refusals that protect a class ------------------------------------------------------------------


@pytest.fixture
def two_classes_of_30(world: World, alpha: YearClasses) -> list[dict[str, str]]:
    rows = generated_rows(per_class=30)
    import_roster(world.a, alpha, csv_file(rows))
    return rows


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_file_without_a_valid_row_fails_and_writes_nothing(
    app: Flask, world: World, alpha: YearClasses, tmp_path: Path, two_classes_of_30: list[dict[str, str]], dry_run: bool
) -> None:
    bad = [student_row(f"7990000000{n}", "Lê Thị Hoa", "6A1", date_of_birth="31/02/2013") for n in range(3)]
    before = roster_state(world.a.school.id)
    options = ["--school", "alpha", *(["--dry-run"] if dry_run else [])]

    result = roster_import(app, write(tmp_path, csv_file(bad)), *options)

    assert result.exit_code == 1
    assert f"Error: {NO_VALID_ROW}" in result.stderr
    assert "line 2, column 'Ngày sinh', value '31/02/2013'" in result.stderr
    assert roster_state(world.a.school.id) == before


def test_many_leavers_need_the_flag_and_the_refusal_names_the_classes(
    app: Flask, world: World, alpha: YearClasses, tmp_path: Path, two_classes_of_30: list[dict[str, str]]
) -> None:
    six_a1 = [row for row in two_classes_of_30 if row["Lớp"] == "6A1"]
    path = write(tmp_path, csv_file(six_a1[:20]))  # 10 of 30 missing
    before = roster_state(world.a.school.id)

    dry_run = roster_import(app, path, "--school", "alpha", "--dry-run")
    assert (dry_run.exit_code, roster_state(world.a.school.id)) == (0, before)
    assert "Warning: 6A1: 10 of its 30 students would be marked as left." in dry_run.stderr

    refused = roster_import(app, path, "--school", "alpha")
    assert refused.exit_code == 1
    assert "would mark many students of 6A1 as having left" in refused.stderr
    assert "--allow-many-left" in refused.stderr
    assert roster_state(world.a.school.id) == before

    allowed = roster_import(app, path, "--school", "alpha", "--allow-many-left")
    assert allowed.exit_code == 0, allowed.output
    assert "Warning: 6A1: 10 of its 30 students were marked as left." in allowed.stderr
    assert "10 marked as left" in allowed.stdout
