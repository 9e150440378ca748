"""An erasure anonymises the family's leave requests (their words and who asked go; the days, slots and status
stay, so the attendance marks they excused keep their ground) and keeps the school's records about the children:
daily notes and early warnings."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from contactbook.attendance.totals import approved_cover
from contactbook.data_requests.rules import ERASED_TEXT
from contactbook.extensions import db
from contactbook.models import AttendanceMark, AttendanceStatus, DailyNote, LeaveRequest, LeaveStatus, RiskWarning
from tests.attendance.factories import put_mark
from tests.data_requests.support import DataWorld, make_data_world, put_leave
from tests.data_requests.test_answering import erase
from tests.factories import World


def _excused_by(dw: DataWorld, request: LeaveRequest) -> AttendanceMark:
    mark = put_mark(dw.alpha.roster.school_class, dw.alpha.an, request.starts_on, AttendanceStatus.EXCUSED, "morning")
    mark.leave_request_id = request.id
    db.session.commit()
    return mark


def test_the_familys_leave_requests_lose_their_words_and_asker_and_keep_days_slots_and_status(world: World) -> None:
    dw = make_data_world(world)
    waiting = put_leave(dw.alpha.roster.school_class, dw.alpha.an, dw.alpha.second.starts_on, "Con ốm", dw.mother)
    kept = (dw.an_leave.id, dw.an_leave.starts_on, dw.an_leave.ends_on, dw.an_leave.slots, dw.an_leave.decided_at)

    changed = erase(dw)

    db.session.expire_all()
    approved = db.session.get_one(LeaveRequest, dw.an_leave.id)
    assert (approved.reason, approved.decision_note, approved.guardian_id) == (ERASED_TEXT, ERASED_TEXT, None)
    assert approved.status == LeaveStatus.APPROVED
    assert (approved.id, approved.starts_on, approved.ends_on, approved.slots, approved.decided_at) == kept
    pending = db.session.get_one(LeaveRequest, waiting.id)
    assert (pending.reason, pending.decision_note, pending.guardian_id) == (ERASED_TEXT, None, None)
    assert pending.status == LeaveStatus.PENDING  # the school can still decide it
    assert changed["leave_requests_anonymised"] == 2


def test_the_marks_an_approved_request_excused_stay_excused_and_it_still_covers_its_days(world: World) -> None:
    dw = make_data_world(world)
    mark = _excused_by(dw, dw.an_leave)

    erase(dw)

    db.session.expire_all()
    mark = db.session.get_one(AttendanceMark, mark.id)
    assert (mark.status, mark.leave_request_id) == (AttendanceStatus.EXCUSED, dw.an_leave.id)
    covered = approved_cover([dw.alpha.an.id], dw.an_leave.starts_on, "morning")
    assert covered == {dw.alpha.an.id: dw.an_leave.id}  # a later mark of that morning is excused, no alert goes


def test_requests_of_another_family_of_another_school_or_entered_by_staff_are_untouched(world: World) -> None:
    dw = make_data_world(world)
    on = dw.alpha.first.starts_on + timedelta(days=30)
    entered = put_leave(dw.alpha.roster.school_class, dw.alpha.an, on, "Cô ghi theo điện thoại", None)
    entered.entered_by_id = dw.alpha.people.staff["homeroom"].id
    db.session.commit()

    erase(dw)

    db.session.expire_all()
    father = db.session.get_one(LeaveRequest, dw.cuong_leave.id)
    assert (father.reason, father.guardian_id) == ("Về quê ăn giỗ ông", dw.alpha.father.id)
    beta = db.session.get_one(LeaveRequest, dw.beta_leave.id)
    assert (beta.reason, beta.guardian_id) == ("Lý do ở trường khác", dw.beta.guardian.id)
    staff = db.session.get_one(LeaveRequest, entered.id)
    assert (staff.reason, staff.entered_by_id) == ("Cô ghi theo điện thoại", dw.alpha.people.staff["homeroom"].id)


def test_daily_notes_and_early_warnings_about_the_children_are_kept(world: World) -> None:
    dw = make_data_world(world)
    notes_before = db.session.execute(select(DailyNote.student_id, DailyNote.meals, DailyNote.comment)).all()
    warnings_before = db.session.execute(select(RiskWarning.student_id, RiskWarning.rule, RiskWarning.detail)).all()

    changed = erase(dw)

    db.session.expire_all()
    assert sorted(db.session.execute(select(DailyNote.student_id, DailyNote.meals, DailyNote.comment)).all()) == sorted(
        notes_before
    )
    warnings = db.session.execute(select(RiskWarning.student_id, RiskWarning.rule, RiskWarning.detail)).all()
    assert sorted(warnings, key=str) == sorted(warnings_before, key=str)
    an_warnings = select(func.count()).select_from(RiskWarning).where(RiskWarning.student_id == dw.alpha.an.id)
    assert db.session.scalar(an_warnings) == 1  # the proof it went: deleting it would send it again
    assert not any(name.startswith(("daily_notes", "warnings")) for name in changed)
