"""The school answers: a copy is marked provided once; an erasure removes or anonymises what the law lets go
and keeps the receipts and the audit log, and the family's number no longer finds the guardian."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from contactbook.data_requests.rules import ERASED_NAME
from contactbook.data_requests.services import DataRequestError, carry_out_erasure, provide_copy
from contactbook.extensions import db
from contactbook.family.session import members_of
from contactbook.models import (
    AuditLog,
    Consent,
    ConsentPurpose,
    DataRequest,
    DataRequestKind,
    DataRequestStatus,
    Guardian,
    MessageStatus,
    NoticeRead,
    Payment,
    StudentGuardian,
    Subscription,
    SubscriptionStatus,
)
from contactbook.subscriptions.services import eligible_channels
from tests.data_requests.factories import asked, family_of
from tests.data_requests.support import FATHER_PHONE, MOTHER_PHONE, DataWorld, make_data_world
from tests.factories import World
from tests.support import audit_rows


def _request(dw: DataWorld, kind: DataRequestKind) -> DataRequest:
    found = db.session.scalars(
        select(DataRequest).where(
            DataRequest.family_id == family_of(MOTHER_PHONE).id,
            DataRequest.school_id == dw.alpha.people.school.id,
            DataRequest.kind == kind,
        )
    ).one_or_none()
    return found or asked(MOTHER_PHONE, dw.alpha.people.school.id, kind)


def erase(dw: DataWorld) -> dict[str, int]:
    people = dw.alpha.people
    return carry_out_erasure(people.school, people.admin, _request(dw, DataRequestKind.ERASURE), "Đã xác minh")


def test_a_copy_is_marked_provided_once_and_audited(world: World) -> None:
    dw = make_data_world(world)
    people, request = dw.alpha.people, _request(dw, DataRequestKind.COPY)

    provide_copy(people.school, people.admin, request, "Gửi qua cổng")

    db.session.refresh(request)
    assert (request.status, request.answered_by_id, request.note) == (
        DataRequestStatus.PROVIDED,
        people.admin.id,
        "Gửi qua cổng",
    )
    assert [row.target_id for row in audit_rows("data_request.provided")] == [request.id]
    with pytest.raises(DataRequestError):
        provide_copy(people.school, people.admin, request, None)
    with pytest.raises(DataRequestError):  # a copy is not erased
        carry_out_erasure(people.school, people.admin, request, None)


def test_a_second_request_of_the_same_kind_waits_for_the_first(world: World) -> None:
    dw = make_data_world(world)
    with pytest.raises(DataRequestError):
        asked(MOTHER_PHONE, dw.alpha.people.school.id, DataRequestKind.COPY)


def test_erasure_anonymises_the_guardian_and_the_number_no_longer_finds_it(world: World) -> None:
    dw = make_data_world(world)
    mother_id, beta_guardian_id = dw.mother.id, dw.beta.guardian.id
    assert eligible_channels(dw.mother, dw.alpha.an, "emergency", datetime.now(UTC))  # free essentials reach her

    erase(dw)

    db.session.expire_all()
    mother = db.session.get_one(Guardian, mother_id)
    assert (mother.full_name, mother.phone, mother.email) == (ERASED_NAME, None, None)
    members = {m.guardian_id for m in members_of(family_of(MOTHER_PHONE))}
    assert mother_id not in members and beta_guardian_id in members  # beta's record is another school's
    assert db.session.scalar(select(StudentGuardian.id).where(StudentGuardian.guardian_id == mother_id)) is None
    assert eligible_channels(mother, dw.alpha.an, "emergency", datetime.now(UTC)) == frozenset()


def test_erasure_anonymises_consents_and_messages_and_cancels_what_was_not_sent(world: World) -> None:
    dw = make_data_world(world)

    erase(dw)

    db.session.expire_all()
    subscription = db.session.scalars(select(Subscription).where(Subscription.guardian_id == dw.mother.id)).one()
    assert subscription.status == SubscriptionStatus.CANCELLED
    consent = db.session.scalars(select(Consent).where(Consent.subscription_id == subscription.id)).one()
    assert consent.given_by == ERASED_NAME
    purposes = db.session.scalars(select(ConsentPurpose).where(ConsentPurpose.consent_id == consent.id)).all()
    assert purposes and all(p.withdrawn_at is not None for p in purposes)
    db.session.refresh(dw.queued)
    db.session.refresh(dw.sent)
    assert (dw.queued.status, dw.queued.to_address, dw.queued.body) == (MessageStatus.SKIPPED, "", "")
    assert (dw.sent.status, dw.sent.to_address, dw.sent.body) == (MessageStatus.SENT, "", "")
    reads = db.session.scalars(select(NoticeRead).where(NoticeRead.guardian_id == dw.mother.id)).all()
    assert reads == []  # which notices the family read goes with it


def test_erasure_keeps_receipts_and_the_audit_log(world: World) -> None:
    dw = make_data_world(world)
    receipt = (dw.payment.receipt_no, dw.payment.amount, dw.payment.payer)
    audit_before = db.session.scalar(select(func.count(AuditLog.id)))

    changed = erase(dw)

    db.session.expire_all()
    payment = db.session.get_one(Payment, dw.payment.id)
    assert (payment.receipt_no, payment.amount, payment.payer) == receipt
    assert payment.guardian_id == dw.mother.id
    assert (db.session.scalar(select(func.count(AuditLog.id))) or 0) > (audit_before or 0)
    [row] = audit_rows("data_request.erased")
    assert row.actor_id == dw.alpha.people.admin.id
    assert changed["guardians_anonymised"] == 1 and changed["subscriptions_stopped"] == 1
    assert db.session.get_one(DataRequest, row.target_id).status == DataRequestStatus.ERASED


def test_erasure_touches_no_other_family_and_no_other_school(world: World) -> None:
    dw = make_data_world(world)

    erase(dw)

    db.session.expire_all()
    father = db.session.get_one(Guardian, dw.alpha.father.id)
    beta = db.session.get_one(Guardian, dw.beta.guardian.id)
    assert (father.full_name, father.phone) == ("Lê Văn Dũng", FATHER_PHONE)
    assert (beta.full_name, beta.phone) == ("Trần Thị Bình", MOTHER_PHONE)
    db.session.refresh(dw.father_message)
    assert dw.father_message.body == "Tin cho bo Cuong"
    assert db.session.scalar(select(StudentGuardian.id).where(StudentGuardian.guardian_id == beta.id)) is not None


def test_an_erasure_is_carried_out_once(world: World) -> None:
    dw = make_data_world(world)
    erase(dw)
    with pytest.raises(DataRequestError):
        erase(dw)
