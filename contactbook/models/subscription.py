"""The voluntary paid service: school settings, plans, subscriptions with consent, payments, reminders.

Money is in integer đồng. Nothing here decides eligibility; `contactbook.subscriptions.rules` does.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactbook.models.base import Base, UTCDateTime, str_enum, utcnow
from contactbook.models.roster import Guardian, Student
from contactbook.models.user import User


class PlanPeriod(enum.StrEnum):
    MONTH = "month"
    SEMESTER = "semester"
    SCHOOL_YEAR = "school_year"


class SubscriptionStatus(enum.StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class PaymentKind(enum.StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"


class ServiceSettings(Base):
    """One school's settings of the paid service; a school without a row has the service off."""

    __tablename__ = "service_settings"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    free_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    allow_unpaid_start: Mapped[bool] = mapped_column(Boolean, default=True)
    unpaid_flag_days: Mapped[int] = mapped_column(SmallInteger, default=14)
    reminder_days: Mapped[int] = mapped_column(SmallInteger, default=7)
    # Messages: non-urgent ones wait out the quiet hours (local, start to end, may wrap midnight); the
    # daily digest goes at its local hour; SMS without accents (cheaper GSM-7).
    quiet_end_hour: Mapped[int] = mapped_column(SmallInteger, default=7)
    quiet_start_hour: Mapped[int] = mapped_column(SmallInteger, default=21)
    digest_hour: Mapped[int] = mapped_column(SmallInteger, default=18)
    sms_unaccented: Mapped[bool] = mapped_column(Boolean, default=True)
    sms_segment_price: Mapped[int] = mapped_column(Integer, default=300)
    # The school's bank account that families pay into (VietQR): the bank's 6-digit Napas BIN, the
    # account number (digits) and the holder's name as the bank shows it; all three or none.
    bank_bin: Mapped[str | None] = mapped_column(String(6))
    bank_account_number: Mapped[str | None] = mapped_column(String(19))
    bank_account_name: Mapped[str | None] = mapped_column(String(100))


class PriceCeiling(Base):
    """An authority's maximum price for a plan period; it binds every school below the authority."""

    __tablename__ = "price_ceilings"
    __table_args__ = (UniqueConstraint("authority_id", "period", name="uq_price_ceilings_authority_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    period: Mapped[PlanPeriod] = mapped_column(str_enum(PlanPeriod, "plan_period"))
    max_price: Mapped[int] = mapped_column(Integer)


class Plan(Base):
    """A plan a school offers: price per period and the channels it includes."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    price: Mapped[int] = mapped_column(Integer)
    period: Mapped[PlanPeriod] = mapped_column(str_enum(PlanPeriod, "plan_period"))
    sms: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_only: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Subscription(Base):
    """A guardian's subscription for one student, one plan and one period."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("guardian_id", "student_id", "starts_on", name="uq_subscriptions_guardian_student_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    sms: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[bool] = mapped_column(Boolean, default=False)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    price: Mapped[int] = mapped_column(Integer)  # the plan's price when subscribed
    status: Mapped[SubscriptionStatus] = mapped_column(
        str_enum(SubscriptionStatus, "subscription_status"), default=SubscriptionStatus.ACTIVE
    )
    exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    exemption_reason: Mapped[str | None] = mapped_column(String(200))
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    charge: Mapped[int] = mapped_column(Integer)  # what the family owes for it: price, 0 if exempt, less on opt-out
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    guardian: Mapped[Guardian] = relationship()
    student: Mapped[Student] = relationship()
    plan: Mapped[Plan] = relationship()
    consents: Mapped[list[Consent]] = relationship(back_populates="subscription", order_by="Consent.id")


class Consent(Base):
    """Consent given for one subscription: who, when, how, for which purposes; the child's too from age 7."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    given_by: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(20))  # paper | portal
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    child_consent: Mapped[bool | None] = mapped_column(Boolean)  # None: the child is under 7
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    subscription: Mapped[Subscription] = relationship(back_populates="consents")
    purposes: Mapped[list[ConsentPurpose]] = relationship(back_populates="consent", order_by="ConsentPurpose.id")


class ConsentPurpose(Base):
    """One purpose consented to (e.g. grades by SMS), until withdrawn."""

    __tablename__ = "consent_purposes"
    __table_args__ = (UniqueConstraint("consent_id", "purpose", name="uq_consent_purposes_consent_purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    consent: Mapped[Consent] = relationship(back_populates="purposes")


class Payment(Base):
    """Money received from (or refunded to) a family, with its receipt number (per school and year)."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("school_id", "receipt_no", name="uq_payments_school_receipt_no"),
        # The confirmation form's token: a confirmation sent twice (double click, two tabs) conflicts here.
        UniqueConstraint("school_id", "confirmation_token", name="uq_payments_school_confirmation_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    kind: Mapped[PaymentKind] = mapped_column(str_enum(PaymentKind, "payment_kind"))
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    amount: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date] = mapped_column(Date)
    payer: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(100))
    receipt_no: Mapped[str] = mapped_column(String(32))
    confirmation_token: Mapped[str | None] = mapped_column(String(64))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    guardian: Mapped[Guardian] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class ReceiptSequence(Base):
    """The last receipt number used by a school in a school year."""

    __tablename__ = "receipt_sequences"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    year_label: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class RenewalReminder(Base):
    """That a subscription's renewal reminder was written (once per subscription, on `due_on`); its messages
    (kind "renewal", pointing to the subscription) carry what became of it."""

    __tablename__ = "renewal_reminders"
    __table_args__ = (UniqueConstraint("subscription_id", name="uq_renewal_reminders_subscription_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
