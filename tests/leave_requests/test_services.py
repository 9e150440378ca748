"""Leave requests' services: submitting (by a family, by staff), withdrawing, approving and declining."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contactbook.attendance.totals import approved_cover
from contactbook.auth.access import permissions_of
from contactbook.extensions import db
from contactbook.leave_requests import services
from contactbook.leave_requests.rules import Asked, LeaveError
from contactbook.models import AttendanceStatus, LeaveRequest, LeaveStatus, Message
from contactbook.models.base import utcnow
from tests.family.support import family_for
from tests.leave_requests.factories import FATHER, MOTHER, LeaveWorld, put_leave, put_mark
from tests.roster.factories import make_guardian
from tests.support import audit_rows


def asked(
    lw: LeaveWorld, first: int = 1, last: int | None = None, slots: str = "day", reason: str = "Con bị sốt"
) -> Asked:
    """Days counted from today."""
    return Asked(
        lw.today + timedelta(days=first), lw.today + timedelta(days=last if last is not None else first), slots, reason
    )


def by_family(lw: LeaveWorld, request: Asked) -> LeaveRequest:
    family = family_for(phone=MOTHER)
    return services.submit_by_family(lw.people.school, family.id, lw.mother.id, lw.an.id, request)


def leave_count() -> int:
    return int(db.session.scalar(select(func.count(LeaveRequest.id))) or 0)


def messages(kind: str | None = None) -> list[Message]:
    query = select(Message).order_by(Message.id)
    if kind is not None:
        query = query.where(Message.kind == kind)
    return list(db.session.scalars(query))


def decide(
    lw: LeaveWorld, request: LeaveRequest, approve: bool = True, who: str = "homeroom", note: str = ""
) -> services.Decided:
    user = lw.people.admin if who == "admin" else lw.people.staff[who]
    return services.decide(lw.people.school, user, permissions_of(user), request, approve=approve, note=note)


# --- Submitting ---------------------------------------------------------------------------------


def test_a_family_submits_a_waiting_request_for_its_childs_class(lw: LeaveWorld) -> None:
    request = by_family(lw, asked(lw, 0, 2, reason="Về quê dự đám cưới"))

    assert (request.status, request.class_id, request.guardian_id, request.entered_by_id) == (
        LeaveStatus.PENDING, lw.school_class.id, lw.mother.id, None,
    )  # fmt: skip
    assert (request.starts_on, request.ends_on, request.reason) == (
        lw.today,
        lw.today + timedelta(days=2),
        "Về quê dự đám cưới",
    )
    [row] = audit_rows("leave.submitted")
    assert row.details["by_family"] == family_for(phone=MOTHER).id and row.actor_id is None


@pytest.mark.parametrize(
    ("first", "last", "slots", "reason", "field"),
    [
        (-1, 0, "day", "Ốm", "starts_on"),  # yesterday: in the past
        (2, 1, "day", "Ốm", "ends_on"),  # ends before it starts
        (1, 30, "day", "Ốm", "ends_on"),  # exactly 30 days: accepted (checked in the test)
        (1, 31, "day", "Ốm", "ends_on"),  # 31 days
        (100, 130, "day", "Ốm", "starts_on"),  # beyond the school year's end (120 days ahead)
        (1, 1, "evening", "Ốm", "slots"),
        (1, 1, "day", "   ", "reason"),
        (1, 1, "day", "x" * 501, "reason"),
    ],
)
def test_a_family_request_breaking_a_rule_is_refused_and_nothing_is_written(
    lw: LeaveWorld, first: int, last: int, slots: str, reason: str, field: str
) -> None:
    if (first, last) == (1, 30):
        assert by_family(lw, asked(lw, first, last, slots, reason)).status == LeaveStatus.PENDING  # exactly 30 days
        return
    with pytest.raises(LeaveError) as refused:
        by_family(lw, asked(lw, first, last, slots, reason))
    assert refused.value.field == field
    assert leave_count() == 0 and audit_rows("leave.submitted") == []


def test_a_family_asks_only_for_its_own_child(lw: LeaveWorld) -> None:
    family = family_for(phone=MOTHER)
    with pytest.raises(LeaveError, match="own family"):
        services.submit_by_family(lw.people.school, family.id, lw.mother.id, lw.cuong.id, asked(lw))
    assert leave_count() == 0


def test_a_request_overlapping_a_waiting_or_approved_one_is_refused_but_the_other_half_day_is_not(
    lw: LeaveWorld,
) -> None:
    by_family(lw, asked(lw, 1, 3, slots="morning"))

    with pytest.raises(LeaveError, match="already covers"):
        by_family(lw, asked(lw, 3, 4))  # the whole of day 3 meets its morning
    with pytest.raises(LeaveError, match="already covers"):
        by_family(lw, asked(lw, 2, 2, slots="morning"))
    assert by_family(lw, asked(lw, 2, 2, slots="afternoon")).status == LeaveStatus.PENDING
    assert leave_count() == 2


def test_a_withdrawn_or_declined_request_leaves_its_days_free(lw: LeaveWorld) -> None:
    put_leave(lw, lw.an, lw.today + timedelta(days=1), status=LeaveStatus.WITHDRAWN)
    put_leave(lw, lw.an, lw.today + timedelta(days=1), status=LeaveStatus.DECLINED)

    assert by_family(lw, asked(lw, 1)).status == LeaveStatus.PENDING


def test_staff_enter_a_request_for_an_earlier_day_of_the_year_on_a_familys_behalf(lw: LeaveWorld) -> None:
    homeroom = lw.people.staff["homeroom"]
    request = services.submit_by_staff(
        lw.people.school, homeroom, permissions_of(homeroom), lw.an.id, asked(lw, -3, -2)
    )

    assert (request.entered_by_id, request.guardian_id, request.status) == (homeroom.id, None, LeaveStatus.PENDING)
    assert audit_rows("leave.submitted")[0].actor_id == homeroom.id


def test_a_teacher_enters_no_request_for_a_class_it_does_not_lead(lw: LeaveWorld) -> None:
    teacher, homeroom = lw.people.staff["teacher"], lw.people.staff["homeroom"]
    with pytest.raises(LeaveError, match="classes you lead"):
        services.submit_by_staff(lw.people.school, teacher, permissions_of(teacher), lw.an.id, asked(lw))
    with pytest.raises(LeaveError, match="classes you lead"):
        services.submit_by_staff(lw.people.school, homeroom, permissions_of(homeroom), lw.hoa.id, asked(lw))
    admin = lw.people.admin
    assert services.submit_by_staff(lw.people.school, admin, permissions_of(admin), lw.hoa.id, asked(lw)).id
    assert leave_count() == 1


# --- Withdrawing --------------------------------------------------------------------------------


def test_a_family_withdraws_a_waiting_request(lw: LeaveWorld) -> None:
    request = by_family(lw, asked(lw))

    services.withdraw(lw.people.school, family_for(phone=MOTHER).id, lw.an.id, request.id)

    db.session.refresh(request)
    assert request.status == LeaveStatus.WITHDRAWN
    assert len(audit_rows("leave.withdrawn")) == 1


def test_an_answered_request_or_another_childs_cannot_be_withdrawn(lw: LeaveWorld) -> None:
    approved = put_leave(lw, lw.an, lw.today, status=LeaveStatus.APPROVED)
    cuongs = put_leave(lw, lw.cuong, lw.today)
    family_id = family_for(phone=MOTHER).id

    for request_id, student_id in ((approved.id, lw.an.id), (cuongs.id, lw.an.id)):
        with pytest.raises(LeaveError, match="still waiting"):
            services.withdraw(lw.people.school, family_id, student_id, request_id)
    db.session.expire_all()
    assert (approved.status, cuongs.status) == (LeaveStatus.APPROVED, LeaveStatus.PENDING)
    assert audit_rows("leave.withdrawn") == []


# --- Deciding -----------------------------------------------------------------------------------


def test_approving_excuses_the_absences_it_covers_and_sends_no_absence_message(lw: LeaveWorld) -> None:
    yesterday, today = lw.today - timedelta(days=1), lw.today
    alerted = put_mark(lw, lw.an, yesterday, AttendanceStatus.UNEXCUSED, "morning", alerted=True)
    afternoon = put_mark(lw, lw.an, yesterday, AttendanceStatus.UNEXCUSED, "afternoon")
    present = put_mark(lw, lw.an, today, AttendanceStatus.PRESENT, "morning")
    other_child = put_mark(lw, lw.cuong, yesterday, AttendanceStatus.UNEXCUSED, "morning")
    homeroom = lw.people.staff["homeroom"]
    request = services.submit_by_staff(
        lw.people.school, homeroom, permissions_of(homeroom), lw.an.id, asked(lw, -1, 0, slots="morning")
    )

    decided = decide(lw, request, note="Nhớ chép bài")

    db.session.expire_all()
    assert decided.excused == 1
    assert (alerted.status, alerted.leave_request_id) == (AttendanceStatus.EXCUSED, request.id)
    assert alerted.alerted_at is not None  # told once already: nothing more goes
    assert (afternoon.status, afternoon.leave_request_id) == (AttendanceStatus.UNEXCUSED, None)
    assert (present.status, other_child.status) == (AttendanceStatus.PRESENT, AttendanceStatus.UNEXCUSED)
    # No absence message: only the decision, by SMS (the mother's subscription) and by email (her usable contact).
    assert [(m.kind, m.channel) for m in messages() if m.kind != "welcome"] == [
        ("leave_decision", "sms"), ("leave_decision", "email"),
    ]  # fmt: skip
    assert approved_cover([lw.an.id], yesterday, "morning") == {lw.an.id: request.id}
    assert approved_cover([lw.an.id], yesterday, "afternoon") == {}


def test_the_family_is_told_of_the_approval_by_the_channels_it_takes_and_by_email_whatever_they_are(
    lw: LeaveWorld,
) -> None:
    request = by_family(lw, asked(lw, 1, 2))

    decided = decide(lw, request, note="Nhớ chép bài")

    sms, email = messages("leave_decision")
    assert decided.messages == 2
    assert (sms.kind, sms.category, sms.channel, sms.to_address) == ("leave_decision", "attendance", "sms", MOTHER)
    assert "An" in sms.body and "da duoc chap thuan" in sms.body and "Nho chep bai" in sms.body
    assert sms.dedupe_key == f"leave_decision:{request.id}:{lw.mother.id}:sms"
    assert (email.channel, email.category, email.to_address) == ("email", "reply", "binh@example.vn")
    assert email.student_id == lw.an.id
    assert "được chấp thuận" in email.body and "Nhớ chép bài" in email.body
    assert email.dedupe_key == f"leave_decision:{request.id}:{lw.mother.id}:email"
    [row] = audit_rows("leave.approved")
    assert row.actor_id == lw.people.staff["homeroom"].id and row.details["messages"] == 2


def test_declining_tells_the_family_and_excuses_nothing(lw: LeaveWorld) -> None:
    mark = put_mark(lw, lw.an, lw.today, AttendanceStatus.UNEXCUSED)
    request = by_family(lw, asked(lw, 0))

    decided = decide(lw, request, approve=False)

    db.session.expire_all()
    assert (decided.excused, request.status, mark.status) == (0, LeaveStatus.DECLINED, AttendanceStatus.UNEXCUSED)
    sms, email = messages("leave_decision")
    assert "khong duoc chap thuan" in sms.body and "không được chấp thuận" in email.body
    assert approved_cover([lw.an.id], lw.today, "day") == {}


def test_a_family_without_the_service_is_told_by_its_usable_contact(lw: LeaveWorld) -> None:
    """The answer to a family's own request goes whatever its subscriptions (the father takes none): here a
    staff-entered request for Cường, so to his guardians, by SMS (the father has no email)."""
    request = put_leave(lw, lw.cuong, lw.today + timedelta(days=1))

    assert decide(lw, request).messages == 1
    [message] = messages("leave_decision")
    assert (message.guardian_id, message.channel, message.to_address) == (lw.father.id, "sms", FATHER)
    assert (message.student_id, message.category, message.urgent, message.digest) == (lw.cuong.id, "reply", 0, 0)
    assert "Cuong" in message.body and request.status == LeaveStatus.APPROVED


def test_the_guardian_who_asked_is_told_by_email_when_usable_else_by_sms_and_no_other_unsubscribed_guardian(
    lw: LeaveWorld,
) -> None:
    aunt = make_guardian(lw.people, [lw.cuong], "Lê Thị Hạnh", relation="other", phone="+84911111111")
    lw.father.email = "dung@example.vn"
    db.session.commit()
    first = put_leave(lw, lw.cuong, lw.today + timedelta(days=1), guardian=lw.father)
    decide(lw, first)
    lw.father.email_unusable_at = utcnow()  # the mail server refused the address since
    db.session.commit()
    second = put_leave(lw, lw.cuong, lw.today + timedelta(days=3), guardian=lw.father)
    decide(lw, second, approve=False)
    lw.father.phone_unusable_at = utcnow()
    db.session.commit()
    third = put_leave(lw, lw.cuong, lw.today + timedelta(days=5), guardian=lw.father)
    decide(lw, third)

    sent = [(m.dedupe_key, m.to_address) for m in messages("leave_decision")]
    assert sent == [
        (f"leave_decision:{first.id}:{lw.father.id}:email", "dung@example.vn"),
        (f"leave_decision:{second.id}:{lw.father.id}:sms", FATHER),
    ]  # nothing to the aunt, who did not ask; nothing when no contact is usable
    assert aunt.id not in {m.guardian_id for m in messages()}


def test_a_subscribed_channel_and_the_free_contact_never_send_twice_on_one_channel(lw: LeaveWorld) -> None:
    lw.mother.email = None  # the mother's usable contact is now her phone, which her subscription already takes
    db.session.commit()
    request = by_family(lw, asked(lw, 1))

    assert decide(lw, request).messages == 1
    [message] = messages("leave_decision")
    assert (message.channel, message.to_address) == ("sms", MOTHER)


def test_only_the_homeroom_teacher_or_staff_over_every_class_decide_and_only_once(lw: LeaveWorld) -> None:
    request = by_family(lw, asked(lw))
    hoas = put_leave(lw, lw.hoa, lw.today + timedelta(days=1))

    with pytest.raises(LeaveError, match="homeroom teacher"):
        decide(lw, request, who="teacher")
    with pytest.raises(LeaveError, match="homeroom teacher"):
        decide(lw, hoas, who="homeroom")
    decide(lw, request)
    with pytest.raises(LeaveError, match="already answered"):
        decide(lw, request, approve=False, who="admin")
    assert decide(lw, hoas, approve=False, who="admin").excused == 0
    db.session.expire_all()
    assert (request.status, hoas.status) == (LeaveStatus.APPROVED, LeaveStatus.DECLINED)
    assert len(messages("leave_decision")) == 2  # Hoa has no guardian; An's mother was told once (SMS, email)


def test_a_withdrawn_request_cannot_be_approved(lw: LeaveWorld) -> None:
    request = put_leave(lw, lw.an, lw.today, status=LeaveStatus.WITHDRAWN)
    mark = put_mark(lw, lw.an, lw.today, AttendanceStatus.UNEXCUSED)

    with pytest.raises(LeaveError, match="already answered"):
        decide(lw, request)
    db.session.expire_all()
    assert mark.status == AttendanceStatus.UNEXCUSED and messages("leave_decision") == []


def test_a_note_too_long_is_refused(lw: LeaveWorld) -> None:
    request = by_family(lw, asked(lw))
    with pytest.raises(LeaveError) as refused:
        decide(lw, request, note="x" * 301)
    assert refused.value.field == "note"
    db.session.expire_all()
    assert request.status == LeaveStatus.PENDING
