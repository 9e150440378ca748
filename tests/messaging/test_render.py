"""Message templates: every kind renders in both languages, unaccented text is GSM-7, notices stay short."""

from __future__ import annotations

from datetime import date
from typing import Any

import jinja2
import pytest

from contactbook.messaging.render import KINDS, LOCALES, personalised, render_message
from contactbook.messaging.text import sms_segments


def context(**overrides: Any) -> dict[str, Any]:
    """Everything any template needs, with typical Vietnamese values."""
    values: dict[str, Any] = {
        "school": "THCS Lê Lợi",
        "school_name": "Trường THCS Lê Lợi",
        "student": "Phương",
        "guardian": "chị Nguyễn Thị Lan",
        "title": "Họp phụ huynh cuối học kỳ I",
        "body": "Mời phụ huynh dự họp lúc 7h30 thứ Bảy 17/01 tại phòng 6A1.",
        "day": date(2026, 1, 15),
        "children": [{"name": "Phương", "lines": ["Toán: 9,0 (kiểm tra 15 phút)", "Đi học muộn 10 phút"]}],
        "more": 0,
        "kind": "notice",
        "ends_on": date(2026, 5, 31),
        "renew_how": "vào lienlac.example.vn hoặc liên hệ văn phòng trường",
        "subject": "Toán",
        "column": "giữa kỳ I",
        "score": "8,5",
        "old": "8,0",
        "reason": "Cộng nhầm điểm bài 3",
        "code": "042917",
        "minutes": 5,
        "link": "https://lienlac.example.vn/family/sign-in/link?token=1-abc",
        "portal": "https://lienlac.example.vn/family/",
        "meals": "Ăn hết suất, thêm cơm",
        "nap": "Ngủ trưa 2 tiếng",
        "health": "Bình thường",
        "activities": "Vẽ tranh gia đình",
        "comment": "Bé ngoan, hôm nay tự xúc cơm.",
        "decision": "approved",  # leave_decision
        "starts_on": date(2026, 1, 14),  # leave_decision
        "slots": "day",  # leave_decision
        "note": "Nhớ chép bài",  # leave_decision
        "slot": "morning",  # attendance: the slot of the day a child is absent from (or back in)
        "excused": False,
        "late": True,
    }
    return values | overrides


ALL_TEMPLATES = [(kind, locale) for kind in KINDS for locale in LOCALES]
# A digest's line names neither the school nor the student: the digest around it does; an email's footer
# names the school and the portal only. A sign-in code or link is about no school or child: a family may
# have children in several schools.
ABOUT_NO_CHILD = ("digest_item", "email_footer", "sign_in_code", "sign_in_link")
ABOUT_NO_CHILD += ("daily_note_item",)
WHOLE_MESSAGES = [(kind, locale) for kind, locale in ALL_TEMPLATES if kind not in ABOUT_NO_CHILD]


@pytest.mark.parametrize(("kind", "locale"), WHOLE_MESSAGES)
def test_every_template_renders_with_the_school_and_student(kind: str, locale: str) -> None:
    text = render_message(kind, locale, context(), unaccented=False)
    assert "Lê Lợi" in text and "Phương" in text
    assert "{" not in text and text == text.strip()


@pytest.mark.parametrize(("kind", "locale"), ALL_TEMPLATES)
def test_every_template_unaccented_is_gsm7(kind: str, locale: str) -> None:
    text = render_message(kind, locale, context(), unaccented=True)
    assert sms_segments(text)[0] == "GSM-7"
    if (kind, locale) in WHOLE_MESSAGES:
        assert "Le Loi" in text and "Phuong" in text


def test_languages_differ() -> None:
    vi = render_message("notice", "vi", context(), unaccented=True)
    en = render_message("notice", "en", context(), unaccented=True)
    assert "PHHS" in vi and "parents" in en


@pytest.mark.parametrize("locale", LOCALES)
def test_a_typical_notice_is_one_segment_unaccented(locale: str) -> None:
    title = "Nghỉ học do bão, học bù vào thứ Bảy 07/2"
    body = "Trường cho học sinh nghỉ ngày 4/2 do bão số 3. Phụ huynh giữ an toàn cho các con"
    assert (len(title), len(body)) == (40, 80), "the longest typical notice"
    typical = context(title=title, body=body)

    assert sms_segments(render_message("notice", locale, typical, unaccented=True)) == ("GSM-7", 1)
    assert sms_segments(render_message("notice", locale, typical, unaccented=False))[1] > 1


def test_notice_adds_a_full_stop_after_the_title_only_when_missing() -> None:
    plain = render_message("notice", "vi", context(title="Họp phụ huynh"), unaccented=True)
    asked = render_message("notice", "vi", context(title="Họp phụ huynh?"), unaccented=True)
    assert "Hop phu huynh. Moi" in plain
    assert "Hop phu huynh? Moi" in asked


def test_unaccented_text_replaces_typographic_characters() -> None:
    text = render_message("notice", "vi", context(title="“Ngày hội” 7–8/2…"), unaccented=True)
    assert '"Ngay hoi" 7-8/2... Moi' in text


def test_runs_of_spaces_are_collapsed_and_ends_stripped() -> None:
    text = render_message("notice", "en", context(body="  Bring   a\u00a0hat.  "), unaccented=False)
    assert text.endswith("I. Bring a hat.")
    assert "  " not in text


def test_accented_text_is_composed() -> None:
    text = render_message("notice", "vi", context(student="Phu\u031bo\u031bng"), unaccented=False)
    assert "Phương" in text


def test_digest_puts_each_child_under_a_heading_and_each_item_on_its_own_line() -> None:
    children = [
        {"name": "Phương", "lines": ["Toán: 9,0 (kiểm tra 15 phút)", "Đi học muộn 10 phút"]},
        {"name": "Minh", "lines": ["Họp phụ huynh. Thứ Bảy 8 giờ."]},
    ]
    text = render_message("digest", "vi", context(children=children), unaccented=True)
    assert text.splitlines() == [
        "THCS Le Loi TB PHHS ngay 15/01/2026:",
        "Em Phuong:",
        "- Toan: 9,0 (kiem tra 15 phut)",
        "- Di hoc muon 10 phut",
        "Em Minh:",
        "- Hop phu huynh. Thu Bay 8 gio.",
    ]


def test_digest_counts_the_items_left_out() -> None:
    assert render_message("digest", "vi", context(more=3), unaccented=True).endswith("(+3 tin khac)")
    assert render_message("digest", "en", context(more=3), unaccented=True).endswith("(+3 more)")


def test_email_digest_greets_the_guardian_and_lists_each_child() -> None:
    children = [{"name": "Nguyễn Văn Phương", "lines": ["Toán: 9,0"]}, {"name": "Nguyễn Văn Minh", "lines": ["Nghỉ"]}]
    text = render_message("email_digest", "vi", context(children=children), unaccented=False)
    assert text.splitlines() == [
        "Kính gửi chị Nguyễn Thị Lan,",
        "",
        "Trường THCS Lê Lợi xin gửi Quý phụ huynh các tin trong ngày 15/01/2026:",
        "",
        "Em Nguyễn Văn Phương:",
        "- Toán: 9,0",
        "",
        "Em Nguyễn Văn Minh:",
        "- Nghỉ",
        "",
        "Trân trọng,",
        "Trường THCS Lê Lợi",
    ]


@pytest.mark.parametrize(
    ("kind", "vi", "en"),
    [
        ("notice", "Họp phụ huynh cuối học kỳ I. Mời phụ huynh dự họp", "Họp phụ huynh cuối học kỳ I. Mời"),
        ("score", "Điểm giữa kỳ I môn Toán: 8,5", "Toán score (giữa kỳ I): 8,5"),
        ("score_correction", "Sửa điểm giữa kỳ I môn Toán: 8,0 thành 8,5. Lý do:", "corrected from 8,0 to 8,5"),
    ],
)
def test_a_digest_item_reads_without_the_school_or_the_student(kind: str, vi: str, en: str) -> None:
    for locale, expected in (("vi", vi), ("en", en)):
        text = render_message("digest_item", locale, context(kind=kind), unaccented=False)
        assert expected in text
        assert "Lê Lợi" not in text and "Phương" not in text


def test_renewal_gives_the_end_date_and_how_to_renew() -> None:
    vi = render_message("renewal", "vi", context(), unaccented=True)
    en = render_message("renewal", "en", context(renew_how="visit lienlac.example.vn"), unaccented=True)
    assert "het han ngay 31/05/2026" in vi
    assert vi.endswith("De gia han, vao lienlac.example.vn hoac lien he van phong truong.")
    assert "ends on 31/05/2026" in en
    assert en.endswith("To renew, visit lienlac.example.vn.")


SIGNATURES = [("vi", "Kính gửi", "Trân trọng,"), ("en", "Dear", "Kind regards,")]


@pytest.mark.parametrize(("locale", "greeting", "closing"), SIGNATURES)
def test_email_notice_greets_the_guardian_and_signs_with_the_school_name(
    locale: str, greeting: str, closing: str
) -> None:
    text = render_message("email_notice", locale, context(body="Dòng một.\n\n\n\nDòng hai."), unaccented=False)
    lines = text.splitlines()
    assert lines[0] == f"{greeting} chị Nguyễn Thị Lan,"
    assert lines[-2:] == [closing, "Trường THCS Lê Lợi"]
    assert "Dòng một.\n\nDòng hai." in text, "at most one blank line in a row"


def test_unknown_kind_or_locale_is_refused() -> None:
    with pytest.raises(ValueError):
        render_message("letter", "vi", context(), unaccented=True)
    with pytest.raises(ValueError):
        render_message("notice", "fr", context(), unaccented=True)


def test_a_missing_value_fails_rather_than_leaving_a_hole() -> None:
    values = context()
    del values["title"]
    with pytest.raises(jinja2.UndefinedError):
        render_message("notice", "vi", values, unaccented=True)


NAMES = ["An", "Phương", "Đạt", "Nguyễn Thị Ánh", "Lê  Văn   Tám", " Hà", "O'Neil", "李", "Ngọc Diệp"]


@pytest.mark.parametrize("unaccented", [True, False])
@pytest.mark.parametrize("name", NAMES)
def test_a_personalised_sms_is_the_text_a_full_render_gives(name: str, unaccented: bool) -> None:
    fixed = context()
    del fixed["student"]
    fill = personalised("notice", "vi", fixed, ["student"], unaccented=unaccented)
    assert fill({"student": name}) == render_message("notice", "vi", {**fixed, "student": name}, unaccented=unaccented)


@pytest.mark.parametrize(("guardian", "student"), [("chị Lan", "Trần Minh Khôi"), ("Ông  Ba", "Bé\tTí"), ("x", "Ý")])
def test_a_personalised_email_is_the_text_a_full_render_gives(guardian: str, student: str) -> None:
    fixed = {k: v for k, v in context().items() if k not in {"guardian", "student"}}
    fill = personalised("email_notice", "vi", fixed, ["guardian", "student"], unaccented=False)
    values = {"guardian": guardian, "student": student}
    assert fill(values) == render_message("email_notice", "vi", {**fixed, **values}, unaccented=False)


def test_a_personalised_render_needs_exactly_its_fields() -> None:
    fill = personalised("notice", "vi", {"school": "A", "title": "T", "body": "B"}, ["student"], unaccented=True)
    with pytest.raises(ValueError, match="student"):
        fill({"guardian": "Lan"})


def test_a_score_sms_is_one_segment_unaccented() -> None:
    text = render_message("score", "vi", context(), unaccented=True)
    assert text == "THCS Le Loi: Diem giua ky I mon Toan cua em Phuong: 8,5"
    assert sms_segments(text) == ("GSM-7", 1)


def test_a_field_the_template_transforms_is_rendered_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    loader = jinja2.DictLoader({"notice.vi.txt": "{{ school }}: {{ student|upper }} {{ body }}"})
    environment = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined)  # noqa: S701
    monkeypatch.setattr("contactbook.messaging.render._environment", lambda: environment)
    fill = personalised("notice", "vi", {"school": "THCS A", "body": "Nghỉ học."}, ["student"], unaccented=False)
    assert fill({"student": "Phương"}) == "THCS A: PHƯƠNG Nghỉ học."


@pytest.mark.parametrize("locale", LOCALES)
def test_the_welcome_sms_says_where_the_portal_is_in_one_segment(locale: str) -> None:
    text = render_message("welcome", locale, context(), unaccented=True)
    assert text.endswith("https://lienlac.example.vn/family/")
    assert sms_segments(text) == ("GSM-7", 1)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_email_footer_says_how_to_stop_and_whom_to_contact(locale: str) -> None:
    text = render_message("email_footer", locale, context(), unaccented=False)
    assert "https://lienlac.example.vn/family/" in text and "Trường THCS Lê Lợi" in text
