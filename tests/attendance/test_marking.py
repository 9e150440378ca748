"""Marking a class: the sheet on its page, one save for the whole class, corrections, who may, and the alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, update

from contactbook.attendance.services import marking
from contactbook.extensions import db
from contactbook.models import (
    AttendanceMark,
    AttendanceSettings,
    AttendanceStatus,
    AttendanceUnit,
    Message,
    MessageStatus,
    ServiceSettings,
)
from contactbook.models.base import utcnow
from tests.attendance.factories import (
    DAY,
    AttendanceWorld,
    approve_leave,
    make_attendance_world,
    marks,
    messages,
)
from tests.factories import World, login, post, school_day
from tests.support import audit_rows, flashes, follow, main_text

P, L, E, U = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED)


@pytest.fixture
def aw(world: World) -> Iterator[AttendanceWorld]:
    with school_day(DAY):
        yield make_attendance_world(world.a)


def sheet(
    aw: AttendanceWorld, an: str = "present", cuong: str = "present", hoa: str = "present", **extra: str
) -> dict[str, str]:
    data = {"on": DAY.isoformat(), "slot": "day", f"s-{aw.an.id}": an, f"s-{aw.cuong.id}": cuong, f"s-{aw.hoa.id}": hoa}
    return data | extra


def as_homeroom(client: FlaskClient, aw: AttendanceWorld) -> FlaskClient:
    login(client, "homeroom", aw.people.slug)
    return client


def save(aw: AttendanceWorld, **statuses: AttendanceStatus) -> marking.Saved:
    by_id = {getattr(aw, name).id: status for name, status in statuses.items()}
    return marking.mark_class(
        aw.people.school, aw.people.staff["homeroom"], aw.school_class, DAY, "day", by_id, reason=None
    )


# --- The page -------------------------------------------------------------------------------------------


def test_sheet_shows_everyone_present_until_marked(client: FlaskClient, aw: AttendanceWorld) -> None:
    as_homeroom(client, aw)
    response = client.get(aw.url)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for student in (aw.an, aw.cuong, aw.hoa):
        assert f'name="s-{student.id}" value="present" checked' in page
    assert "Nguyễn Văn An" in main_text(response)


def test_one_post_saves_the_whole_class(client: FlaskClient, aw: AttendanceWorld) -> None:
    as_homeroom(client, aw)

    response = post(client, aw.url, sheet(aw, cuong="unexcused", hoa="late"))

    assert response.status_code == 302
    stored = marks(aw)
    assert {sid: m.status for sid, m in stored.items()} == {aw.an.id: P, aw.cuong.id: U, aw.hoa.id: L}
    assert {m.marked_by_id for m in stored.values()} == {aw.people.staff["homeroom"].id}
    page = follow(client, response)
    assert f'name="s-{aw.cuong.id}" value="unexcused" checked' in page.get_data(as_text=True)


def test_students_left_out_of_the_form_are_marked_present_by_default(client: FlaskClient, aw: AttendanceWorld) -> None:
    as_homeroom(client, aw)
    day = {"on": DAY.isoformat(), "slot": "day"}

    first = post(client, aw.url, day | {f"s-{aw.cuong.id}": "unexcused"})
    assert first.status_code == 302
    assert {sid: m.status for sid, m in marks(aw).items()} == {aw.an.id: P, aw.cuong.id: U, aw.hoa.id: P}
    assert len(messages("attendance")) == 1

    post(client, aw.url, day | {f"s-{aw.hoa.id}": "late"})  # a mark already made is kept
    assert {sid: m.status for sid, m in marks(aw).items()} == {aw.an.id: P, aw.cuong.id: U, aw.hoa.id: L}


def test_index_lists_the_homeroom_class_and_whether_today_is_marked(client: FlaskClient, aw: AttendanceWorld) -> None:
    as_homeroom(client, aw)
    before = client.get(f"/s/{aw.people.slug}/attendance/").get_data(as_text=True)
    save(aw, an=P)
    after = client.get(f"/s/{aw.people.slug}/attendance/").get_data(as_text=True)

    assert 'data-test="state-day">chưa' in before.lower() or "not marked" in before
    assert f'data-test="class-{aw.school_class.id}"' in after
    assert before != after


def test_a_value_that_is_no_status_changes_nothing(client: FlaskClient, aw: AttendanceWorld) -> None:
    as_homeroom(client, aw)

    response = post(client, aw.url, sheet(aw, cuong="absent-ish", an="unexcused"))

    assert response.status_code == 422
    assert marks(aw) == {}
    assert messages() == []


def test_a_student_of_another_class_changes_nothing(client: FlaskClient, aw: AttendanceWorld, world: World) -> None:
    as_homeroom(client, aw)

    response = post(client, aw.url, sheet(aw, an="unexcused", **{"s-999999": "unexcused"}))

    assert response.status_code == 422
    assert marks(aw) == {}


def test_another_schools_class_is_not_found(client: FlaskClient, aw: AttendanceWorld, world: World) -> None:
    login(client, "admin", world.b.slug)

    assert client.get(f"/s/{world.b.slug}/attendance/classes/{aw.school_class.id}").status_code == 404


def test_a_subject_teacher_marks_only_where_the_school_marks_periods(client: FlaskClient, aw: AttendanceWorld) -> None:
    login(client, "teacher", aw.people.slug)
    assert client.get(aw.url).status_code == 403

    db.session.add(AttendanceSettings(school_id=aw.people.school.id, unit=AttendanceUnit.PERIOD))
    db.session.commit()

    assert client.get(aw.url + "?slot=p3").status_code == 200
    response = post(client, aw.url, sheet(aw, an="unexcused", slot="p3"))
    assert response.status_code == 302
    assert {m.slot for m in marks(aw).values()} == {"p3"}


def test_a_malformed_day_in_the_address_is_a_bad_request(client: FlaskClient, aw: AttendanceWorld) -> None:
    as_homeroom(client, aw)

    assert client.get(aw.url + "?on=2026-02-30").status_code == 400
    assert client.get(aw.url + "?slot=p11").status_code == 400


# --- Days: today freely, earlier with a reason, never a day to come ------------------------------------


def test_a_day_to_come_is_refused(client: FlaskClient, aw: AttendanceWorld) -> None:
    as_homeroom(client, aw)
    tomorrow = (DAY + timedelta(days=1)).isoformat()

    response = post(client, aw.url, sheet(aw, an="unexcused", on=tomorrow))

    assert response.status_code == 422
    assert marks(aw, DAY + timedelta(days=1)) == {}
    assert "chưa đến" in main_text(response) or "not come" in main_text(response)


def test_a_day_outside_the_school_year_is_refused(client: FlaskClient, aw: AttendanceWorld) -> None:
    as_homeroom(client, aw)

    response = post(client, aw.url, sheet(aw, an="unexcused", on="2025-08-20", reason="Nhập bù"))

    assert response.status_code == 422
    assert marks(aw, DAY.replace(2025, 8, 20)) == {}
    assert client.get(aw.url + "?on=2025-08-20").get_data(as_text=True).count('data-test="sheet"') == 0


def test_an_earlier_day_needs_a_reason_and_is_audited(client: FlaskClient, aw: AttendanceWorld) -> None:
    as_homeroom(client, aw)
    yesterday = DAY - timedelta(days=1)
    data = sheet(aw, an="unexcused", on=yesterday.isoformat())

    refused = post(client, aw.url, data)
    assert refused.status_code == 422
    assert marks(aw, yesterday) == {}

    accepted = post(client, aw.url, data | {"reason": "Sổ đầu bài ghi vắng"})
    assert accepted.status_code == 302
    stored = marks(aw, yesterday)
    assert stored[aw.an.id].status == U
    assert stored[aw.an.id].reason == "Sổ đầu bài ghi vắng"
    [row] = audit_rows("attendance.corrected", aw.people.school.id)
    assert row.details["reason"] == "Sổ đầu bài ghi vắng"
    assert messages() == []  # an earlier day alerts nobody


def test_today_is_corrected_freely(client: FlaskClient, aw: AttendanceWorld) -> None:
    as_homeroom(client, aw)
    post(client, aw.url, sheet(aw, hoa="unexcused"))

    response = post(client, aw.url, sheet(aw, hoa="late"))

    assert response.status_code == 302
    assert marks(aw)[aw.hoa.id].status == L
    assert audit_rows("attendance.corrected", aw.people.school.id) == []


# --- Alerts --------------------------------------------------------------------------------------------


def test_an_absence_today_alerts_the_families_urgently_and_once(aw: AttendanceWorld) -> None:
    settings = db.session.get(ServiceSettings, aw.people.school.id)
    assert settings is not None
    settings.quiet_start_hour, settings.quiet_end_hour = 0, 23  # quiet nearly all day
    db.session.commit()

    first = save(aw, an=P, cuong=U, hoa=P)
    again = save(aw, an=P, cuong=U, hoa=P)
    excused_now = save(aw, an=P, cuong=E, hoa=P)

    [alert] = messages("attendance")
    assert (alert.guardian_id, alert.channel, alert.to_address) == (aw.father.id, "sms", "+84987654321")
    assert alert.urgent and alert.next_attempt_at <= utcnow()
    assert "Cuong" in alert.body and "khong phep" in alert.body and alert.segments == 1
    assert (first.alerts, again.alerts, excused_now.alerts) == (1, 0, 0)
    assert marks(aw)[aw.cuong.id].alerted_at is not None


def test_a_family_with_an_email_hears_by_email_only_as_a_free_essential(aw: AttendanceWorld) -> None:
    save(aw, an=E)

    [alert] = messages("attendance")
    assert (alert.guardian_id, alert.channel) == (aw.mother.id, "email")
    assert "có phép" in alert.body


def test_without_free_essentials_an_unsubscribed_family_hears_nothing(world: World) -> None:
    with school_day(DAY):
        aw = make_attendance_world(world.a, free=False)
        save(aw, cuong=U)

    assert messages("attendance") == []
    assert marks(aw)[aw.cuong.id].alerted_at is None


def test_an_absence_covered_by_an_approved_leave_is_excused_and_alerts_nobody(aw: AttendanceWorld) -> None:
    request_id = approve_leave(aw, aw.cuong, DAY, DAY + timedelta(days=2))

    saved = save(aw, cuong=U)

    mark = marks(aw)[aw.cuong.id]
    assert (mark.status, mark.leave_request_id, mark.alerted_at) == (E, request_id, None)
    assert saved.alerts == 0 and messages() == []


def test_a_leave_for_the_afternoon_does_not_cover_the_morning(aw: AttendanceWorld) -> None:
    db.session.add(AttendanceSettings(school_id=aw.people.school.id, unit=AttendanceUnit.SESSION))
    db.session.commit()
    approve_leave(aw, aw.cuong, DAY, DAY, slots="afternoon")
    school, user = aw.people.school, aw.people.staff["homeroom"]

    marking.mark_class(school, user, aw.school_class, DAY, "morning", {aw.cuong.id: U}, reason=None)

    assert marks(aw)[aw.cuong.id].status == U
    assert len(messages("attendance")) == 1


def test_correcting_an_alerted_absence_to_present_follows_up_only_to_those_told(aw: AttendanceWorld) -> None:
    save(aw, an=U, cuong=P)
    db.session.execute(update(Message).values(status=MessageStatus.SENT))  # the worker sent the alert
    db.session.commit()
    told = {(m.guardian_id, m.channel) for m in messages("attendance")}

    saved = save(aw, an=L, cuong=P)

    follow_ups = messages("attendance_present")
    assert {(m.guardian_id, m.channel) for m in follow_ups} == told == {(aw.mother.id, "email")}
    assert saved.follow_ups == 1 and follow_ups[0].urgent
    assert "đến muộn" in follow_ups[0].body
    assert marks(aw)[aw.an.id].alerted_at is None


def test_an_alert_not_yet_sent_is_withdrawn_instead_of_followed_up(aw: AttendanceWorld) -> None:
    save(aw, cuong=U)

    save(aw, cuong=P)

    [alert] = messages("attendance")
    assert alert.status == MessageStatus.SKIPPED
    assert messages("attendance_present") == []


def test_a_present_child_never_alerted_gets_no_follow_up(aw: AttendanceWorld) -> None:
    save(aw, an=P, cuong=P)
    save(aw, an=P, cuong=P)

    assert messages() == []


def test_one_save_of_a_class_takes_a_few_statements_whatever_its_size(aw: AttendanceWorld) -> None:
    from tests.roster.factories import make_student

    def statements_to_save(n: int) -> int:
        for i in range(n - len(marking.class_pupils(aw.school_class))):
            make_student(aw.people, aw.school_class, f"Học Sinh {n}-{i}", f"79{n:02d}{i:08d}")
        ids = [p.id for p in marking.class_pupils(aw.school_class)]
        statuses = {sid: U if k % 5 == 0 else P for k, sid in enumerate(ids)}
        db.session.execute(AttendanceMark.__table__.delete())
        db.session.commit()
        count = 0

        def counter(*args: object) -> None:
            nonlocal count
            count += 1

        engine = db.session.get_bind()
        event.listen(engine, "before_cursor_execute", counter)
        try:
            marking.mark_class(
                aw.people.school, aw.people.staff["homeroom"], aw.school_class, DAY, "day", statuses, reason=None
            )
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return count

    small, large = statements_to_save(5), statements_to_save(45)
    assert large <= small + 2, (small, large)
    assert large <= 30


def test_a_phone_the_provider_refused_gets_no_free_alert(aw: AttendanceWorld) -> None:
    aw.father.phone_unusable_at = utcnow()
    db.session.commit()

    saved = save(aw, cuong=U)

    assert messages() == [] and saved.alerts == 0
    assert marks(aw)[aw.cuong.id].alerted_at is None


def test_one_alert_a_day_in_a_school_marking_periods(aw: AttendanceWorld) -> None:
    db.session.add(AttendanceSettings(school_id=aw.people.school.id, unit=AttendanceUnit.PERIOD))
    db.session.commit()
    school, user = aw.people.school, aw.people.staff["homeroom"]

    first = marking.mark_class(school, user, aw.school_class, DAY, "p1", {aw.cuong.id: U}, reason=None)
    second = marking.mark_class(school, user, aw.school_class, DAY, "p2", {aw.cuong.id: U}, reason=None)

    assert (first.alerts, second.alerts) == (1, 0)
    assert len(messages("attendance")) == 1


def test_a_subject_teacher_sees_the_classes_it_teaches_where_periods_are_marked(
    client: FlaskClient, aw: AttendanceWorld
) -> None:
    login(client, "teacher", aw.people.slug)
    index = f"/s/{aw.people.slug}/attendance/"
    assert f'data-test="class-{aw.school_class.id}"' not in client.get(index).get_data(as_text=True)

    db.session.add(AttendanceSettings(school_id=aw.people.school.id, unit=AttendanceUnit.PERIOD))
    db.session.commit()

    assert f'data-test="class-{aw.school_class.id}"' in client.get(index).get_data(as_text=True)


def test_the_family_is_not_alerted_again_after_an_approved_leave_arrives(aw: AttendanceWorld) -> None:
    save(aw, cuong=U)
    request_id = approve_leave(aw, aw.cuong, DAY, DAY)

    again = save(aw, cuong=U)

    mark = marks(aw)[aw.cuong.id]
    assert (mark.status, mark.leave_request_id) == (E, request_id)
    assert again.alerts == 0 and again.follow_ups == 0
    assert len(messages()) == 1


def test_the_teacher_reads_the_same_whether_or_not_a_family_was_alerted(
    client: FlaskClient, aw: AttendanceWorld
) -> None:
    as_homeroom(client, aw)

    told = follow(client, post(client, aw.url, sheet(aw, cuong="unexcused")))  # his father hears of it
    not_told = follow(client, post(client, aw.url, sheet(aw, cuong="unexcused", hoa="unexcused")))  # she has nobody

    assert len(messages("attendance")) == 1
    assert flashes(told) == flashes(not_told) != []
