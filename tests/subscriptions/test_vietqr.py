"""VietQR payment codes: the EMVCo payload against the Napas profile and its checksum, and the rendered code
read back by a real QR decoder (zxing-cpp) as the same payload.
"""

from __future__ import annotations

import binascii
import re

import pytest
import segno
import zxingcpp
from flask import Flask, render_template

from contactbook.models import ServiceSettings
from contactbook.subscriptions.vietqr import (
    VietQrError,
    bank_account,
    crc16_ccitt_false,
    payment_qr,
    transfer_reference,
    vietqr_payload,
)

# A dynamic VietQR code published with the "vietnam-qr-pay" library's documentation: ACB (BIN 970416),
# account 257678859, 10.000 đ, content "Chuyen tien".
PUBLISHED = (
    "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
    "53037045405100005802VN62150811Chuyen tien630453E6"
)


def data_objects(text: str) -> dict[str, str]:
    """The data objects of an EMVCo string by ID, read by their two-digit lengths; the whole string is used."""
    found: dict[str, str] = {}
    position = 0
    while position < len(text):
        tag, length = text[position : position + 2], int(text[position + 2 : position + 4])
        value = text[position + 4 : position + 4 + length]
        assert len(value) == length, f"data object {tag} is cut short"
        assert tag not in found, f"data object {tag} appears twice"
        found[tag] = value
        position += 4 + length
    return found


def checksum_holds(payload: str) -> bool:
    """The standard's check, computed with the standard library's CRC-CCITT (poly 0x1021) from 0xFFFF."""
    head, crc = payload[:-4], payload[-4:]
    return head.endswith("6304") and f"{binascii.crc_hqx(head.encode('ascii'), 0xFFFF):04X}" == crc


def test_the_crc_is_crc16_ccitt_false() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1  # the catalogued check value of CRC-16/CCITT-FALSE
    assert crc16_ccitt_false(b"") == 0xFFFF


def test_the_published_example_is_built_exactly_and_its_checksum_holds() -> None:
    assert checksum_holds(PUBLISHED)
    assert vietqr_payload("970416", "257678859", 10_000, "Chuyen tien") == PUBLISHED


def test_the_payload_has_the_napas_structure() -> None:
    payload = vietqr_payload("970436", "0011001234567", 150_000, "HS1234 Hoc phi T12")

    root = data_objects(payload)
    assert list(root) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert root["00"] == "01" and root["01"] == "12"
    assert root["53"] == "704" and root["54"] == "150000" and root["58"] == "VN"
    merchant = data_objects(root["38"])
    assert merchant == {"00": "A000000727", "01": merchant["01"], "02": "QRIBFTTA"}
    assert data_objects(merchant["01"]) == {"00": "970436", "01": "0011001234567"}
    assert data_objects(root["62"]) == {"08": "HS1234 Hoc phi T12"}
    assert checksum_holds(payload)


def test_a_changed_character_breaks_the_checksum() -> None:
    payload = vietqr_payload("970436", "0011001234567", 150_000, "HS1234")
    tampered = payload.replace("150000", "950000")

    assert checksum_holds(payload)
    assert not checksum_holds(tampered)


@pytest.mark.parametrize(
    ("bank_bin", "account", "amount", "reference"),
    [
        ("97043", "0011001234567", 1000, "HS1"),  # BIN of 5 digits
        ("97043A", "0011001234567", 1000, "HS1"),
        ("970436", "00110012345678901234", 1000, "HS1"),  # 20 digits: more than the code carries
        ("970436", "0011-001234", 1000, "HS1"),
        ("970436", "", 1000, "HS1"),
        ("970436", "0011001234567", 0, "HS1"),
        ("970436", "0011001234567", -5, "HS1"),
        ("970436", "0011001234567", 10**13, "HS1"),  # 14 digits
        ("970436", "0011001234567", 1000, ""),
        ("970436", "0011001234567", 1000, "A" * 26),
        ("970436", "0011001234567", 1000, "Học phí"),  # accents: bank apps may drop them
        ("970436", "0011001234567", 1000, "HS1; DROP"),
        ("970436", "0011001234567", 1000, "HS1\n6304ABCD"),
        ("970436", "0011001234567", 1000, " HS1"),
        ("970436", "0011001234567", 1000, "HS1  T12"),
    ],
)
def test_values_that_do_not_fit_are_refused(bank_bin: str, account: str, amount: int, reference: str) -> None:
    with pytest.raises(VietQrError):
        vietqr_payload(bank_bin, account, amount, reference)


def test_the_longest_values_still_fit() -> None:
    payload = vietqr_payload("970436", "1" * 19, 10**13 - 1, "A" * 25)

    assert data_objects(data_objects(payload)["62"]) == {"08": "A" * 25}
    assert checksum_holds(payload)


def test_a_reference_is_made_from_any_text() -> None:
    assert transfer_reference("Học phí tháng 12 – Nguyễn Thị Hồng Nhung") == "Hoc phi thang 12 Nguyen"
    assert transfer_reference("Đặng Văn Đức") == "Dang Van Duc"
    assert transfer_reference("HS-0042/2026") == "HS 0042 2026"
    assert transfer_reference("X" * 40) == "X" * 25
    for text in ("Học phí tháng 12 – Nguyễn Thị Hồng Nhung", "Đặng", "a;b\n6304", "X" * 40):
        vietqr_payload("970436", "123456", 1000, transfer_reference(text))  # never refused


# --- The rendered code, read back by a QR decoder ------------------------------------------------------------

PATH_STEP = re.compile(r"([Mmh])(-?\d+(?:\.\d+)?)(?:\s+(-?\d+(?:\.\d+)?))?")


def raster_of_svg(svg: str, scale: int = 4) -> memoryview:
    """A grayscale image of segno's SVG: each `h` of its path is a run of dark modules on row y - 0.5."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))  # type: ignore[union-attr]
    path = re.search(r' d="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
    dark = [[False] * size for _ in range(size)]
    x = y = 0.0
    for command, first, second in PATH_STEP.findall(path):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:
            for column in range(int(x), int(x + float(first))):
                dark[int(y - 0.5)][column] = True
            x += float(first)
    pixels = bytearray()
    for row in dark:
        line = bytes(0 if module else 255 for module in row for _ in range(scale))
        pixels += line * scale
    return memoryview(bytes(pixels)).cast("B", (size * scale, size * scale))


def decoded(image: memoryview) -> str:
    result = zxingcpp.read_barcode(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert result is not None, "no QR code found"
    return str(result.text)


def settings_with_account() -> ServiceSettings:
    return ServiceSettings(
        school_id=1, bank_bin="970415", bank_account_number="113366668888", bank_account_name="TRUONG THCS NGUYEN DU"
    )


def test_the_svg_families_see_decodes_to_the_payload() -> None:
    qr = payment_qr(settings_with_account(), 2_450_000, "HS0042 Hoc phi HK1")

    assert qr is not None
    assert decoded(raster_of_svg(str(qr.svg))) == qr.payload
    assert qr.payload == vietqr_payload("970415", "113366668888", 2_450_000, "HS0042 Hoc phi HK1")


def test_the_decoder_would_notice_a_different_code() -> None:
    """The check above can fail: another payload's code reads as that payload, not ours."""
    qr = payment_qr(settings_with_account(), 2_450_000, "HS0042")
    other = payment_qr(settings_with_account(), 2_450_001, "HS0042")

    assert qr is not None and other is not None
    assert decoded(raster_of_svg(str(other.svg))) != qr.payload


def test_a_png_of_the_payload_decodes_to_it_too() -> None:
    """segno's own matrix (as its PNG writer draws it) reads back as the payload."""
    payload = vietqr_payload("970422", "0962091996", 150_000, "Thanh toan")
    code = segno.make_qr(payload, error="m")
    scale, rows = 4, bytearray()
    for row in code.matrix_iter(scale=scale, border=4):
        rows += bytes(0 if dark else 255 for dark in row)
    width = (code.symbol_size(border=4)[0]) * scale

    assert decoded(memoryview(bytes(rows)).cast("B", (len(rows) // width, width))) == payload


def test_no_code_without_a_bank_account() -> None:
    assert payment_qr(ServiceSettings(school_id=1), 100_000, "HS1") is None
    assert payment_qr(ServiceSettings(school_id=1, bank_bin="970415"), 100_000, "HS1") is None
    assert bank_account(ServiceSettings(school_id=1)) is None


def test_the_instructions_show_the_code_with_alt_text_in_vietnamese(app: Flask) -> None:
    settings = settings_with_account()
    qr = payment_qr(settings, 100_000, "HS0042 T12")
    with app.test_request_context("/family/"):
        html = render_template(
            "family/_payment_qr.html", qr=qr, amount=100_000, reference="HS0042 T12", bank=bank_account(settings)
        )
        missing = render_template("family/_payment_qr.html", qr=None, amount=100_000, reference="HS0042", bank=None)

    assert qr is not None and str(qr.svg) in html
    assert 'role="img"' in html and 'aria-label="Mã VietQR: chuyển 100.000' in html
    assert "Mở ứng dụng ngân hàng" in html
    assert "VietinBank" in html and "113366668888" in html and "TRUONG THCS NGUYEN DU" in html
    assert "<svg" not in missing and "100.000" in missing
