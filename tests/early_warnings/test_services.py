"""Running the rules: each warning once per student and threshold, from published marks only, with grades consent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contactbook.early_warnings import services
from contactbook.extensions import db
from contactbook.models import AttendanceSettings, MessageStatus, RiskWarning, SchoolLevel
from contactbook.models.base import utcnow
from tests.early_warnings.factories import (
    WarnWorld,
    absent,
    make_warn_world,
    publish,
    warning_messages,
    warnings_of,
    weak_in,
)
from tests.factories import World


@pytest.fixture
def w(world: World) -> WarnWorld:
    return make_warn_world(world.a)


def run(w: WarnWorld) -> int:
    return services.run_rules(w.people.school, utcnow())


# --- Absences -----------------------------------------------------------------------------------------


def test_reaching_20_sessions_absent_fires_the_20_warning_once(w: WarnWorld) -> None:
    absent(w, w.an, 19)
    assert run(w) == 0
    absent(w, w.an, 1, ago=30)

    assert run(w) == 1
    assert warnings_of(w.an) == [("absences", "Năm nay:20")]
    assert run(w) == 0  # the second run finds it recorded
    assert warnings_of(w.an) == [("absences", "Năm nay:20")]


def test_each_threshold_fires_once_as_the_absences_grow(w: WarnWorld) -> None:
    absent(w, w.an, 20)
    run(w)
    absent(w, w.an, 10, ago=25)
    assert run(w) == 1
    assert warnings_of(w.an) == [("absences", "Năm nay:20"), ("absences", "Năm nay:30")]
    assert len(warning_messages(guardian_id=w.mother.id, channel="sms")) == 2


def test_the_schools_own_thresholds_hold(w: WarnWorld) -> None:
    db.session.add(AttendanceSettings(school_id=w.people.school.id, warning_thresholds=[5, 12]))
    db.session.commit()
    absent(w, w.an, 6)

    run(w)

    assert warnings_of(w.an) == [("absences", "Năm nay:5")]


def test_a_warning_message_goes_to_each_consenting_channel_of_the_family_and_no_one_else(w: WarnWorld) -> None:
    absent(w, w.an, 21)
    absent(w, w.cuong, 21)

    run(w)

    messages = warning_messages()
    assert {(m.guardian_id, m.channel) for m in messages} == {(w.mother.id, "sms"), (w.mother.id, "email")}
    assert all(m.category == "grades" and not m.urgent and m.status == MessageStatus.QUEUED for m in messages)
    sms = next(m for m in messages if m.channel == "sms")
    assert "21 buoi" in sms.body and "45 buoi" in sms.body and "An" in sms.body  # unaccented by the school's setting
    # The father did not subscribe: his son's warning is recorded (the teacher's page shows it), not sent.
    assert warnings_of(w.cuong) == [("absences", "Năm nay:20")]


def test_a_preschool_gets_no_warnings(w: WarnWorld) -> None:
    w.people.school.level = SchoolLevel.PRESCHOOL
    db.session.commit()
    absent(w, w.an, 25)

    assert run(w) == 0


def test_outside_the_school_year_nothing_is_warned(w: WarnWorld) -> None:
    absent(w, w.an, 25)
    w.year.ends_on = w.today.replace(year=w.today.year - 1)
    w.year.starts_on = w.year.ends_on.replace(month=1, day=1)
    db.session.commit()

    assert run(w) == 0


# --- Grades -------------------------------------------------------------------------------------------


def test_a_semester_average_below_5_then_below_3_5_fires_each_once(w: WarnWorld) -> None:
    publish(w, w.an, "Toán", "tx1", "4")
    publish(w, w.an, "Toán", "gk", "5")  # (4 + 10) / 3 = 4.7 so far

    assert run(w) == 1
    subject_id = w.subjects["Toán"].id
    assert warnings_of(w.an) == [("subject_below", f"{w.first.id}:{subject_id}:5.0")]
    publish(w, w.an, "Toán", "ck", "1")  # (4 + 10 + 3) / 6 = 2.8

    assert run(w) == 1
    assert warnings_of(w.an) == [
        ("subject_below", f"{w.first.id}:{subject_id}:3.5"),
        ("subject_below", f"{w.first.id}:{subject_id}:5.0"),
    ]
    detail = db.session.scalars(select(RiskWarning.detail).where(RiskWarning.threshold.like("%:3.5"))).one()
    assert detail == {"semester": 1, "subject": "Toán", "average": "2.8", "below": "3.5", "complete": False}
    sms = warning_messages(channel="sms")[-1]
    assert "Toan hoc ky I den nay: 2,8 (duoi 3,5)" in sms.body


def test_unpublished_scores_warn_no_one(w: WarnWorld) -> None:
    publish(w, w.an, "Toán", "tx1", "1", published=False)
    publish(w, w.an, "Toán", "gk", "1", published=False)
    publish(w, w.an, "Âm nhạc", "kq", level="chua_dat", published=False)

    assert run(w) == 0
    assert warning_messages() == []


def test_a_comment_subject_at_chua_dat_fires_once(w: WarnWorld) -> None:
    publish(w, w.an, "Âm nhạc", "kq", level="chua_dat")

    assert run(w) == 1
    assert warnings_of(w.an) == [("comment_failed", f"{w.first.id}:{w.subjects['Âm nhạc'].id}")]
    assert "Am nhac hoc ky I: Chua dat" in warning_messages(channel="sms")[0].body


def test_a_result_projected_at_chua_dat_fires_with_its_subjects(w: WarnWorld) -> None:
    weak_in(w, w.an, "Toán")
    weak_in(w, w.an, "Ngữ văn")

    run(w)

    rules = [rule for rule, _threshold in warnings_of(w.an)]
    assert rules.count("result_projected") == 1 and rules.count("subject_below") == 4
    projected = db.session.scalars(select(RiskWarning).where(RiskWarning.rule == "result_projected")).one()
    assert projected.threshold == str(w.first.id)
    assert projected.detail == {"semester": 1, "subjects": ["Ngữ văn", "Toán"]}
    # One message per channel tells the family of every new warning together.
    (sms,) = warning_messages(channel="sms")
    assert "du kien Chua dat" in sms.body and sms.body.count("duoi 3,5") == 2 and "duoi 5,0" not in sms.body


def test_a_digest_family_gets_the_warning_as_an_item_of_its_digest(w: WarnWorld) -> None:
    from contactbook.models import Subscription

    subscription = db.session.scalars(select(Subscription).where(Subscription.guardian_id == w.mother.id)).one()
    subscription.digest = True
    db.session.commit()
    absent(w, w.an, 20)

    run(w)

    items = warning_messages(channel="sms")
    assert len(items) == 1 and items[0].digest
    assert items[0].body.startswith("- Đã nghỉ 20 buổi trong năm học")


def test_run_all_runs_every_active_school(world: World, w: WarnWorld) -> None:
    absent(w, w.an, 20)

    totals = services.run_all(utcnow())

    assert totals == {"schools": 2, "warnings": 1}
    assert services.run_all(utcnow()) == {"schools": 2, "warnings": 0}


def test_warnings_inserted_in_several_batches_are_told_in_one_message(
    w: WarnWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "INSERT_BATCH", 1)
    absent(w, w.an, 31)

    assert run(w) == 2

    (sms,) = warning_messages(channel="sms")
    assert "Da nghi 31 buoi trong nam hoc (moc 30 buoi" in sms.body  # the highest threshold reached


def test_a_family_consenting_to_notices_but_not_to_grades_gets_no_warning(w: WarnWorld) -> None:
    from contactbook.models import Plan
    from tests.subscriptions.payment_factories import subscribe

    plan = db.session.scalars(select(Plan).where(Plan.school_id == w.people.school.id)).first()
    assert plan is not None
    subscribe(w.people, w.father, w.cuong, plan, w.today, purposes={"notices_sms"}, actor=w.people.admin)
    absent(w, w.cuong, 20)

    assert run(w) == 1
    assert warning_messages(guardian_id=w.father.id) == []
