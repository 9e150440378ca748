"""A family's copy holds every section of what the school keeps about it and its children, and nothing of
another family or another school."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from contactbook.data_requests.copy import SECTIONS, collect, copy_file
from contactbook.data_requests.holder import holder_of
from contactbook.extensions import db
from tests.data_requests.factories import family_of
from tests.data_requests.support import FATHER_PHONE, MOTHER_PHONE, DataWorld, make_data_world
from tests.factories import World


def mothers_copy(dw: DataWorld) -> dict[str, list[dict[str, object]]]:
    family = family_of(MOTHER_PHONE)
    return collect(holder_of(dw.alpha.people.school, family.id, [dw.mother.id]))


def test_every_section_of_the_copy_holds_the_familys_records(world: World) -> None:
    dw = make_data_world(world)

    copy = mothers_copy(dw)

    assert [name for name in copy if not copy[name]] == []  # the world fills every section, new ones too
    assert [row["full_name"] for row in copy["guardians"]] == ["Trần Thị Bình"]
    assert copy["guardians"][0]["phone"] == MOTHER_PHONE
    assert [(row["full_name"], row["relation"]) for row in copy["students"]] == [("Nguyễn Văn An", "mother")]
    assert [(row["class"], row["school_year"]) for row in copy["enrolments"]] == [("6A1", "2025-2026")]
    assert {row["purpose"] for row in copy["consents"]} == {"grades_sms", "grades_email"}
    assert [row["receipt_no"] for row in copy["payments"]] == [dw.payment.receipt_no]
    assert {(row["id"], row["status"]) for row in copy["messages"]} >= {
        (dw.queued.id, "queued"),
        (dw.sent.id, "sent"),
    }
    assert [(row["column"], str(row["score"])) for row in copy["scores"]] == [("gk", "8.0")]
    assert [(str(row["old_score"]), str(row["new_score"]), row["reason"]) for row in copy["score_corrections"]] == [
        ("7.0", "8.0", "Cộng sai")
    ]
    # Absences from the marks (An's one unexcused day), not the typed 2; a row per semester of the year.
    assert [(row["semester"], row["conduct"], row["absences"]) for row in copy["term_records"]] == [
        (1, "Tốt", 1),
        (2, None, 0),
    ]
    assert [(row["day"], row["status"]) for row in copy["attendance_marks"]] == [
        (dw.alpha.first.starts_on, "unexcused")
    ]
    assert [(row["notice_title"], row["guardian_id"]) for row in copy["notice_reads"]] == [
        ("Họp phụ huynh", dw.mother.id)
    ]
    assert [(row["reason"], row["status"]) for row in copy["leave_requests"]] == [("Con đi khám răng", "approved")]
    assert [row["rule"] for row in copy["early_warnings"]] == ["absences"]
    assert [row["comment"] for row in copy["daily_notes"]] == ["Bé An vui vẻ"]
    assert [row["kind"] for row in copy["data_requests"]] == ["copy"]
    actions = {row["action"] for row in copy["audit"]}
    assert {"subscription.created", "payment.recorded", "grades.corrected", "data_request.created"} <= actions


def test_the_copy_holds_nothing_of_another_family_or_another_school(world: World) -> None:
    dw = make_data_world(world)

    dump = json.dumps(mothers_copy(dw), default=str, ensure_ascii=False)

    others = ("Lê Văn Cường", "Lê Văn Dũng", FATHER_PHONE, "Tin cho bo Cuong", "Phạm Thị Hoa")
    others += ("Về quê ăn giỗ ông", "Bé Cường hơi sốt", "Cần theo dõi thêm")  # Cường's request and note
    others += ("Lý do ở trường khác", "Ghi chú ở trường khác")  # beta's, under the mother's number
    for other in others:
        assert other not in dump, other
    copy = mothers_copy(dw)
    sections = ("scores", "score_corrections", "term_records", "enrolments", "messages", "attendance_marks")
    for section in (*sections, "leave_requests", "early_warnings", "daily_notes"):
        assert {row["student_id"] for row in copy[section]} == {dw.alpha.an.id}, section
    assert str(dw.father_message.id) not in {str(row["id"]) for row in mothers_copy(dw)["messages"]}
    # The same number in beta: beta's guardian record is another school's, not in alpha's copy.
    assert [row["id"] for row in mothers_copy(dw)["guardians"]] == [dw.mother.id]
    beta_ids = [dw.beta.guardian.id]
    assert collect(holder_of(dw.alpha.people.school, family_of(MOTHER_PHONE).id, beta_ids))["guardians"] == []


def test_unpublished_scores_are_not_in_the_copy(world: World) -> None:
    dw = make_data_world(world)
    assert {row["column"] for row in mothers_copy(dw)["scores"]} == {"gk"}  # tx1 was entered, not published


def test_the_file_is_a_zip_of_json_and_one_formula_safe_csv_per_section(world: World) -> None:
    dw = make_data_world(world)
    dw.mother.full_name = '=HYPERLINK("http://evil.example/","Bình")'
    db.session.commit()

    content = copy_file(holder_of(dw.alpha.people.school, family_of(MOTHER_PHONE).id, [dw.mother.id]))

    archive = zipfile.ZipFile(io.BytesIO(content))
    names = set(archive.namelist())
    assert names == {"data.json", "README.txt"} | {f"{section.name}.csv" for section in SECTIONS}
    document = json.loads(archive.read("data.json"))
    assert document["school"] == dw.alpha.people.school.name
    assert set(document["sections"]) == {section.name for section in SECTIONS}
    rows = list(csv.DictReader(io.StringIO(archive.read("guardians.csv").decode("utf-8-sig"))))
    assert rows[0]["full_name"] == "'" + dw.mother.full_name
    assert document["sections"]["guardians"][0]["full_name"] == dw.mother.full_name  # JSON keeps the text as it is
