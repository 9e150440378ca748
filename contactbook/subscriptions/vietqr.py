"""VietQR payment codes: the EMVCo merchant-presented QR payload of a Napas 247 transfer to the school's
bank account (service "QRIBFTTA"), with the amount and a transfer reference, rendered as inline SVG.

The payload is a string of data objects, each ID (2 digits) + length (2 digits) + value, per the EMVCo
QR Code Specification for Payment Systems (Merchant-Presented Mode) as profiled by Napas (VietQR):

    00 payload format indicator "01"
    01 point of initiation "12" (dynamic: this code carries an amount)
    38 merchant account information (Napas): 00 GUID "A000000727"; 01 beneficiary organisation
       (00 the bank's 6-digit BIN, 01 the account number); 02 service code "QRIBFTTA" (to an account)
    53 currency "704" (đồng)   54 amount   58 country "VN"
    62 additional data: 08 purpose of transaction (the transfer reference)
    63 CRC: CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over everything before it, "6304" included,
       as 4 upper-case hex digits.

A value that would not fit its data object, or holds characters bank apps do not carry, is refused
(`VietQrError`): a code that scans to something else than what the page says must never be shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import segno
from markupsafe import Markup

from contactbook.messaging.text import to_gsm
from contactbook.models import ServiceSettings
from contactbook.subscriptions.banks import bank_name

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
MAX_REFERENCE = 25  # purpose of transaction (62/08): "ans", up to 25 characters in the Napas profile
MAX_ACCOUNT_NUMBER = 19  # consumer/merchant id (38/01/01): up to 19 characters
MAX_AMOUNT_DIGITS = 13  # transaction amount (54): up to 13 characters
BIN = re.compile(r"[0-9]{6}")
ACCOUNT_NUMBER = re.compile(r"[0-9]{1,19}")
# Letters and digits of plain ASCII, single spaces between words: what every bank app keeps as typed.
REFERENCE = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")


class VietQrError(ValueError):
    """A value that cannot go into a VietQR payload as it is."""


@dataclass(frozen=True)
class PaymentQr:
    """A VietQR payment code: the payload a banking app reads, and the QR code as inline SVG."""

    payload: str
    svg: Markup


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of `data`: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def data_object(tag: str, value: str) -> str:
    """One EMVCo data object: the 2-digit ID, the value's length in 2 digits, the value (1 to 99 characters)."""
    if not 1 <= len(value) <= 99:
        raise VietQrError(f"data object {tag}: a value has 1 to 99 characters, not {len(value)}")
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """`body` followed by its CRC data object (ID 63), the checksum covering `body` and "6304"."""
    head = body + "6304"
    return f"{head}{crc16_ccitt_false(head.encode('ascii')):04X}"


def transfer_reference(text: str) -> str:
    """`text` made fit for a transfer reference: accents dropped, only ASCII letters, digits and single
    spaces kept, at most 25 characters (cut at a word when possible)."""
    plain = re.sub(r"[^A-Za-z0-9]+", " ", to_gsm(text)).strip()
    if len(plain) <= MAX_REFERENCE:
        return plain
    cut = plain[: MAX_REFERENCE + 1].rsplit(" ", 1)[0]
    return cut if cut and len(cut) <= MAX_REFERENCE else plain[:MAX_REFERENCE].rstrip()


def vietqr_payload(bank_bin: str, account_number: str, amount: int, reference: str) -> str:
    """The VietQR payload of a transfer of `amount` đồng to the account, with `reference` as its content."""
    if not BIN.fullmatch(bank_bin):
        raise VietQrError("the bank's BIN is 6 digits")
    if not ACCOUNT_NUMBER.fullmatch(account_number):
        raise VietQrError(f"the account number is 1 to {MAX_ACCOUNT_NUMBER} digits")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise VietQrError("the amount is a whole number of đồng above 0")
    if len(str(amount)) > MAX_AMOUNT_DIGITS:
        raise VietQrError(f"the amount has at most {MAX_AMOUNT_DIGITS} digits")
    if len(reference) > MAX_REFERENCE or not REFERENCE.fullmatch(reference):
        raise VietQrError(
            f"the reference is 1 to {MAX_REFERENCE} ASCII letters, digits and single spaces: {reference!r}"
        )
    beneficiary = data_object("00", bank_bin) + data_object("01", account_number)
    account = data_object("00", NAPAS_GUID) + data_object("01", beneficiary) + data_object("02", SERVICE_TO_ACCOUNT)
    body = (
        data_object("00", "01")
        + data_object("01", "12")
        + data_object("38", account)
        + data_object("53", CURRENCY_VND)
        + data_object("54", str(amount))
        + data_object("58", COUNTRY_VN)
        + data_object("62", data_object("08", reference))
    )
    return with_crc(body)


def qr_svg(payload: str) -> Markup:
    """The QR code of `payload` as an inline SVG that scales to its box (error correction level M)."""
    code = segno.make_qr(payload, error="m", boost_error=False)
    svg = code.svg_inline(omitsize=True, border=4, svgclass="payment-qr-code", lineclass=None)
    # Safe to mark: segno writes only the modules' path data and our fixed attributes, never the payload's text.
    return Markup(svg)  # noqa: S704


def has_bank_account(settings: ServiceSettings) -> bool:
    """Whether the school gave the bank account that families pay into."""
    return bool(settings.bank_bin and settings.bank_account_number)


@dataclass(frozen=True)
class BankAccount:
    """The school's bank account as families read it beside the code, to transfer by hand."""

    bank_bin: str
    bank_name: str
    account_number: str
    account_name: str


def bank_account(settings: ServiceSettings) -> BankAccount | None:
    """The bank account families pay into, for display; None when the school gave none."""
    if not has_bank_account(settings):
        return None
    bin_ = str(settings.bank_bin)
    return BankAccount(bin_, bank_name(bin_), str(settings.bank_account_number), settings.bank_account_name or "")


def payment_qr(settings: ServiceSettings, amount: int, reference: str) -> PaymentQr | None:
    """The VietQR code for paying `amount` đồng into the school's account with `reference` as the transfer's
    content; None when the school has no bank account. `VietQrError` for an amount or reference that
    cannot be carried (see `transfer_reference` to make one)."""
    if not has_bank_account(settings):
        return None
    payload = vietqr_payload(str(settings.bank_bin), str(settings.bank_account_number), amount, reference)
    return PaymentQr(payload=payload, svg=qr_svg(payload))


@dataclass(frozen=True)
class PaymentInstructions:
    """What `family/_payment_qr.html` shows: the code (None without a bank account), the account, amount, reference."""

    qr: PaymentQr | None
    bank: BankAccount | None
    amount: int
    reference: str


def payment_reference(guardian_id: int, student_name: str = "") -> str:
    """The transfer reference of a family at its school, the same on the family's and the staff's pages:
    "SLL" (sổ liên lạc), the guardian's number, then the child's name unaccented as far as it fits."""
    return transfer_reference(f"SLL {guardian_id} {student_name}")


def payment_instructions(settings: ServiceSettings, amount: int, reference: str) -> PaymentInstructions:
    """The instructions to pay `amount` đồng with `reference`: with a VietQR code when the school has an account."""
    return PaymentInstructions(payment_qr(settings, amount, reference), bank_account(settings), amount, reference)
