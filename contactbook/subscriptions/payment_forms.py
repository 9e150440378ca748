"""Forms of the money pages: a payment or refund (typed in whole đồng, then confirmed), an authority's ceiling,
the school's bank account that families pay into."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from contactbook.i18n import N_
from contactbook.inputs import HasLetters, has_letters, one_line
from contactbook.models import PaymentKind, PaymentMethod, PlanPeriod
from contactbook.roster.forms import DATE_FORMATS
from contactbook.subscriptions.banks import BANKS
from contactbook.subscriptions.labels import PERIOD_LABELS
from contactbook.subscriptions.services.payments import MAX_AMOUNT
from contactbook.subscriptions.services.settings import MAX_ACCOUNT_NAME

METHOD_LABELS: dict[str, LazyString] = {
    PaymentMethod.CASH: _l("Cash"),
    PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
}
KIND_LABELS: dict[str, LazyString] = {
    PaymentKind.PAYMENT: _l("Payment"),
    PaymentKind.REFUND: _l("Refund"),
}

# Whole đồng as people type them: 50000, or grouped by thousands with dots, commas or spaces (50.000).
_WHOLE = re.compile(r"^(?:\d+|\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+)$")
_CURRENCY = re.compile(r"\s*(?:đồng|đ|vnđ|vnd)$", re.IGNORECASE)
# Decimals: a last group of one or two digits after a dot or comma (`50,5`, `50.000,00`).
_DECIMAL = re.compile(r"^\d+(?:[., ]\d{3})*[.,]\d{1,2}$")


class AmountError(ValueError):
    """A typed amount that is not a positive whole number of đồng; the message (an English id) says why."""


def method_label(method: str) -> str:
    return str(METHOD_LABELS.get(method, method))


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def parse_dong(text: str) -> int:
    """The positive whole đồng in `text` as typed (`50.000`, `50000`, `50 000 đ`); anything else refused."""
    value = _CURRENCY.sub("", " ".join(text.split()))
    if not value:
        raise AmountError(N_("Write the amount."))
    if value.startswith("-"):
        raise AmountError(N_("The amount cannot be negative."))
    if _WHOLE.match(value):
        amount = int(re.sub(r"\D", "", value))
        if amount == 0:
            raise AmountError(N_("The amount must be more than 0 đ."))
        if amount > MAX_AMOUNT:
            raise AmountError(N_("The amount is too large."))
        return amount
    if _DECIMAL.match(value):
        raise AmountError(N_("Write the amount in whole đồng, without decimals, for example 50.000."))
    raise AmountError(N_("Write the amount as a number of đồng, for example 50.000."))


def grouped(amount: int) -> str:
    """An amount as typed back into a text box: `50.000`."""
    return f"{amount:,}".replace(",", ".")


class AmountField(StringField):
    """A text box for an amount in whole đồng; `data` is the amount (an int), or None when it is not one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_text = str(valuelist[0]) if valuelist else ""
        self.data = None
        if not self.raw_text.strip():
            return  # InputRequired says so
        try:
            self.data = parse_dong(self.raw_text)
        except AmountError as exc:
            raise ValueError(_(str(exc))) from None

    def _value(self) -> str:
        raw = getattr(self, "raw_text", None)
        if raw is not None:
            return str(raw)
        return "" if self.data is None else grouped(int(self.data))


class MoneyForm(FlaskForm):
    """Money received from a family, or paid back to it, as typed. A first submit shows a confirmation; `step`
    says which. The rules on the amount and the date are the service's (`payments.money_problems`)."""

    amount = AmountField(_l("Amount (đồng)"), validators=[InputRequired(message=_l("Write the amount."))])
    paid_on = DateField(
        _l("Date"), format=DATE_FORMATS, validators=[InputRequired(message=_l("Write the date, e.g. 15/09/2025."))]
    )
    method = RadioField(
        _l("Method"),
        choices=[SelectChoice(m.value, METHOD_LABELS[m]) for m in PaymentMethod],
        default=PaymentMethod.CASH.value,
        validate_choice=True,
    )
    payer = StringField(
        _l("Paid by"),
        filters=[one_line],
        validators=[DataRequired(), Length(max=200), HasLetters(_l("Write the name of who paid."))],
    )
    reference = StringField(
        _l("Reference (optional)"),
        filters=[one_line],
        validators=[Optional(), Length(max=100)],
        description=_l("For a bank transfer, its transaction number."),
    )
    # Set on the confirmation page: a confirmed submit records once, however often it is sent.
    token = HiddenField(validators=[Optional(), Length(max=64)])


class CeilingForm(FlaskForm):
    """An authority's maximum price for a plan period."""

    period = SelectField(
        _l("Period"),
        choices=[SelectChoice(p.value, PERIOD_LABELS[p]) for p in PlanPeriod],
        validate_choice=True,
    )
    max_price = AmountField(
        _l("Maximum price (đồng)"),
        validators=[InputRequired(message=_l("Write the amount."))],
        description=_l("Whole đồng, for example 30.000."),
    )


class RemoveCeilingForm(FlaskForm):
    period = HiddenField(validators=[AnyOf([p.value for p in PlanPeriod])])


def _without_spaces(value: Any) -> Any:
    """Spaces people put between groups of digits (`0123 456 789`) are not part of an account number."""
    return "".join(value.split()) if isinstance(value, str) else value


class BankAccountForm(FlaskForm):
    """The school's bank account that families pay into by VietQR: all three fields, or none to remove it."""

    bank_bin = SelectField(
        _l("Bank"),
        choices=[SelectChoice("", _l("— No bank account —"))] + [SelectChoice(b.bin, b.label) for b in BANKS],
        validate_choice=True,
    )
    bank_account_number = StringField(
        _l("Account number"),
        filters=[_without_spaces],
        description=_l("Digits only, as on the school's bank statement."),
    )
    bank_account_name = StringField(
        _l("Account holder's name"),
        filters=[one_line],
        validators=[Length(max=MAX_ACCOUNT_NAME, message=_l("At most 100 characters."))],
        description=_l("As the bank shows it, for example TRUONG THCS NGUYEN DU."),
    )

    def chosen(self) -> dict[str, str]:
        """The validated values, by the names the service takes."""
        return {
            "bank_bin": self.bank_bin.data or "",
            "account_number": self.bank_account_number.data or "",
            "account_name": self.bank_account_name.data or "",
        }

    def given(self) -> bool:
        return any(self.chosen().values())

    def validate_bank_bin(self, field: SelectField) -> None:
        if self.given() and not field.data:
            raise ValidationError(_l("Choose the bank from the list."))

    def validate_bank_account_number(self, field: StringField) -> None:
        if not field.data:
            if self.given():
                raise ValidationError(_l("Enter the account number."))
            return
        if not field.data.isascii() or not field.data.isdigit():
            raise ValidationError(_l("The account number has digits only, without letters, dots or dashes."))
        if not 6 <= len(field.data) <= 19:
            raise ValidationError(_l("The account number is 6 to 19 digits."))

    def validate_bank_account_name(self, field: StringField) -> None:
        if not field.data:
            if self.given():
                raise ValidationError(_l("Enter the account holder's name as the bank shows it."))
            return
        if not has_letters(field.data):
            raise ValidationError(_l("Enter the account holder's name as the bank shows it."))
