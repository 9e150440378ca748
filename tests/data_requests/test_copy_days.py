"""A family's copy holds its children's leave requests, early warnings and daily notes, each in its own section,
and its children's absences per semester counted from the attendance marks; nothing of another family's child
or of another school."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

from contactbook.audit import services as audit
from contactbook.data_requests.copy import collect, copy_file
from contactbook.data_requests.holder import Holder, holder_of
from contactbook.extensions import db
from contactbook.models import AttendanceStatus, LeaveStatus, TermRecord
from tests.attendance.factories import put_mark
from tests.data_requests.factories import family_of
from tests.data_requests.support import MOTHER_PHONE, DataWorld, make_data_world, put_leave
from tests.factories import World

Copy = dict[str, list[dict[str, object]]]


def mothers(dw: DataWorld) -> Holder:
    return holder_of(dw.alpha.people.school, family_of(MOTHER_PHONE).id, [dw.mother.id])


def test_the_childs_leave_requests_with_their_days_slots_reason_status_and_decision(world: World) -> None:
    dw = make_data_world(world)
    on = dw.alpha.first.starts_on + timedelta(days=20)
    entered = put_leave(dw.alpha.roster.school_class, dw.alpha.an, on, "Gia đình báo qua điện thoại", None)
    entered.entered_by_id, entered.ends_on, entered.slots = (
        dw.alpha.people.staff["homeroom"].id,
        on + timedelta(1),
        "day",
    )
    db.session.commit()

    rows = collect(mothers(dw))["leave_requests"]

    days = dw.alpha.first.starts_on + timedelta(days=7)
    picked = ["id", "student_id", "class", "starts_on", "ends_on", "slots", "reason", "status", "decision_note"]
    assert [{key: row[key] for key in picked} for row in rows] == [
        {
            "id": dw.an_leave.id, "student_id": dw.alpha.an.id, "class": "6A1", "starts_on": days, "ends_on": days,
            "slots": "morning", "reason": "Con đi khám răng", "status": "approved", "decision_note": "Cô đã nhận đơn",
        },
        {
            "id": entered.id, "student_id": dw.alpha.an.id, "class": "6A1", "starts_on": on,
            "ends_on": on + timedelta(1), "slots": "day", "reason": "Gia đình báo qua điện thoại", "status": "pending",
            "decision_note": None,
        },
    ]  # fmt: skip
    assert [(row["asked_by_guardian_id"], row["entered_by_school"]) for row in rows] == [
        (dw.mother.id, False),
        (None, True),
    ]
    assert rows[0]["decided_at"] is not None and rows[1]["decided_at"] is None


def test_the_early_warnings_about_the_child_with_why_and_their_figures(world: World) -> None:
    dw = make_data_world(world)

    [row] = collect(mothers(dw))["early_warnings"]

    assert (row["student_id"], row["class"], row["rule"], row["threshold"]) == (
        dw.alpha.an.id, "6A1", "absences", "2025-2026:20",
    )  # fmt: skip
    assert row["figures"] == {"absences": 21, "threshold": 20}
    assert row["why"] == "Đã nghỉ 21 buổi trong năm học (cảnh báo ở mốc 20)"  # Vietnamese by default
    assert row["warned_at"] is not None


def test_the_childs_daily_notes(world: World) -> None:
    dw = make_data_world(world)

    [row] = collect(mothers(dw))["daily_notes"]

    days = dw.alpha.first.starts_on + timedelta(days=7)
    texts = {key: row[key] for key in ("student_id", "day", "meals", "nap", "health", "activities", "comment")}
    assert texts == {
        "student_id": dw.alpha.an.id, "day": days, "meals": "Ăn hết suất", "nap": "Ngủ ngon", "health": None,
        "activities": None, "comment": "Bé An vui vẻ",
    }  # fmt: skip
    assert row["sent_at"] is None


def test_nothing_of_another_familys_child_or_another_school_in_the_new_sections(world: World) -> None:
    dw = make_data_world(world)

    alpha = collect(mothers(dw))
    beta = collect(holder_of(world.b.school, family_of(MOTHER_PHONE).id, [dw.beta.guardian.id]))

    for section in ("leave_requests", "early_warnings", "daily_notes"):
        assert {row["student_id"] for row in alpha[section]} == {dw.alpha.an.id}, section
        assert {row["student_id"] for row in beta[section]} == {dw.beta.student.id}, section
    assert dw.cuong_leave.id not in {row["id"] for row in alpha["leave_requests"]}
    assert [row["id"] for row in beta["leave_requests"]] == [dw.beta_leave.id]
    assert [row["comment"] for row in beta["daily_notes"]] == ["Ghi chú ở trường khác"]
    dump = json.dumps(alpha, default=str, ensure_ascii=False)
    for other in ("Về quê ăn giỗ ông", "Bé Cường hơi sốt", "subject_below", "Lý do ở trường khác", "Ghi chú ở trường"):
        assert other not in dump, other


def test_absences_per_semester_are_counted_from_the_marks_not_the_typed_field(world: World) -> None:
    dw = make_data_world(world)  # An: one unexcused day on semester I's first day; a term record typing 2
    first, second, school_class = dw.alpha.first, dw.alpha.second, dw.alpha.roster.school_class
    put_mark(school_class, dw.alpha.an, first.starts_on + timedelta(days=1), AttendanceStatus.EXCUSED)
    put_mark(school_class, dw.alpha.an, first.starts_on + timedelta(days=2), AttendanceStatus.LATE)
    put_mark(school_class, dw.alpha.an, second.starts_on, AttendanceStatus.EXCUSED)
    put_mark(school_class, dw.alpha.an, second.ends_on + timedelta(days=1), AttendanceStatus.UNEXCUSED)  # summer
    put_mark(school_class, dw.alpha.cuong, second.starts_on, AttendanceStatus.UNEXCUSED)  # another family's
    cell = {"school_id": school_class.school_id, "class_id": school_class.id, "semester_id": second.id}
    db.session.add(TermRecord(**cell, student_id=dw.alpha.an.id, conduct="Khá", absences=9))
    db.session.commit()

    rows = collect(mothers(dw))["term_records"]

    assert [(row["school_year"], row["semester"], row["conduct"], row["absences"]) for row in rows] == [
        ("2025-2026", 1, "Tốt", 2),
        ("2025-2026", 2, "Khá", 1),
    ]
    assert {row["student_id"] for row in rows} == {dw.alpha.an.id}


def test_the_csv_files_of_the_new_sections_are_formula_safe_and_write_figures_as_json(world: World) -> None:
    dw = make_data_world(world)
    dw.an_leave.reason = '=HYPERLINK("http://evil.example/","x")'
    dw.an_leave.status = LeaveStatus.DECLINED
    db.session.commit()

    with zipfile.ZipFile(io.BytesIO(copy_file(mothers(dw)))) as archive:
        leave = list(csv.DictReader(io.StringIO(archive.read("leave_requests.csv").decode("utf-8-sig"))))
        warnings = list(csv.DictReader(io.StringIO(archive.read("early_warnings.csv").decode("utf-8-sig"))))
        notes = list(csv.DictReader(io.StringIO(archive.read("daily_notes.csv").decode("utf-8-sig"))))
        document = json.loads(archive.read("data.json"))

    assert [(row["reason"], row["status"]) for row in leave] == [("'" + dw.an_leave.reason, "declined")]
    assert [json.loads(row["figures"]) for row in warnings] == [{"absences": 21, "threshold": 20}]
    assert [row["meals"] for row in notes] == ["Ăn hết suất"]
    assert document["sections"]["early_warnings"][0]["figures"] == {"absences": 21, "threshold": 20}
    assert document["sections"]["leave_requests"][0]["reason"] == dw.an_leave.reason


def test_the_audit_section_tells_the_decisions_on_the_childs_leave_requests_only(world: World) -> None:
    dw = make_data_world(world)
    homeroom, school_id = dw.alpha.people.staff["homeroom"], dw.alpha.people.school.id
    for request in (dw.an_leave, dw.cuong_leave):
        days = {"starts_on": request.starts_on.isoformat(), "ends_on": request.ends_on.isoformat()}
        audit.record("leave.approved", actor=homeroom, school_id=school_id, target=request, excused=1, **days)
    db.session.commit()

    rows = [row for row in collect(mothers(dw))["audit"] if row["action"] == "leave.approved"]

    assert len(rows) == 1  # An's request, not Cường's
    assert dw.an_leave.starts_on.strftime("%d/%m/%Y") in str(rows[0]["what"])
