"""SMS text rules: the GSM-7 alphabet, segment counting at every boundary, unaccenting, and cost."""

from __future__ import annotations

import random
import unicodedata

import pytest

from contactbook.messaging.text import GSM7_BASIC, GSM7_EXTENSION, cost, is_gsm7, sms_segments, to_gsm

# Written out letter by letter, so the expected results do not lean on the decomposition under test.
VIETNAMESE_VOWELS = {
    "a": "aàáảãạ",
    "ă": "ăằắẳẵặ",
    "â": "âầấẩẫậ",
    "e": "eèéẻẽẹ",
    "ê": "êềếểễệ",
    "i": "iìíỉĩị",
    "o": "oòóỏõọ",
    "ô": "ôồốổỗộ",
    "ơ": "ơờớởỡợ",
    "u": "uùúủũụ",
    "ư": "ưừứửữự",
    "y": "yỳýỷỹỵ",
}
BASE_LETTER = {"a": "a", "ă": "a", "â": "a", "e": "e", "ê": "e", "i": "i", "o": "o", "ô": "o", "ơ": "o"}
BASE_LETTER |= {"u": "u", "ư": "u", "y": "y"}

NOTICE_150 = (
    "THCS Lê Lợi thông báo: học sinh nghỉ học thứ Hai 02/02 do trường làm điểm thi. "
    "Phụ huynh vui lòng sắp xếp đón con, học bù vào 7h30 sáng thứ Bảy 07/02."
)


# The alphabet


def test_basic_alphabet_is_the_gsm_table_without_its_escape_code() -> None:
    assert len(GSM7_BASIC) == 127
    assert "\x1b" not in GSM7_BASIC
    assert set("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r") <= GSM7_BASIC


def test_extension_table_holds_the_ten_double_width_characters() -> None:
    assert set("^{}\\[~]|€\f") == GSM7_EXTENSION
    assert not GSM7_BASIC & GSM7_EXTENSION


def test_backtick_and_vietnamese_letters_are_not_gsm7() -> None:
    assert not is_gsm7("`")
    assert not is_gsm7("ă")
    assert not is_gsm7("đ")


# Segments


def test_empty_text_is_zero_segments() -> None:
    assert sms_segments("") == ("GSM-7", 0)


@pytest.mark.parametrize(
    ("length", "segments"),
    [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_segment_boundaries(length: int, segments: int) -> None:
    assert sms_segments("a" * length) == ("GSM-7", segments)


def test_extension_character_counts_twice_at_the_single_sms_boundary() -> None:
    assert sms_segments("a" * 158 + "€") == ("GSM-7", 1)
    assert sms_segments("a" * 159 + "€") == ("GSM-7", 2)


def test_extension_character_is_not_split_across_segments() -> None:
    # 306 units would fit two segments, but the € cannot start in one segment and end in the next.
    assert sms_segments("a" * 151 + "€" + "a" * 153) == ("GSM-7", 2)
    assert sms_segments("a" * 152 + "€" + "a" * 152) == ("GSM-7", 3)


@pytest.mark.parametrize(
    ("length", "segments"),
    [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_ucs2_segment_boundaries(length: int, segments: int) -> None:
    assert sms_segments("ạ" * length) == ("UCS-2", segments)


def test_one_non_gsm_character_makes_the_whole_message_ucs2() -> None:
    assert sms_segments("a" * 69 + "ư") == ("UCS-2", 1)
    assert sms_segments("a" * 70 + "ư") == ("UCS-2", 2)


def test_emoji_counts_as_two_utf16_units() -> None:
    assert sms_segments("a" * 68 + "😀") == ("UCS-2", 1)
    assert sms_segments("a" * 69 + "😀") == ("UCS-2", 2)


def test_emoji_is_not_split_across_segments() -> None:
    assert sms_segments("a" * 66 + "😀" + "a" * 65) == ("UCS-2", 2)
    assert sms_segments("a" * 66 + "😀" + "a" * 66) == ("UCS-2", 3)


def test_a_150_character_notice_is_one_segment_unaccented_and_three_accented() -> None:
    assert len(NOTICE_150) == 150
    assert sms_segments(NOTICE_150) == ("UCS-2", 3)
    assert sms_segments(to_gsm(NOTICE_150)) == ("GSM-7", 1)


# Unaccenting


@pytest.mark.parametrize("vowel", list(VIETNAMESE_VOWELS))
def test_every_tone_of_every_lowercase_vowel_becomes_its_base_letter(vowel: str) -> None:
    letters = VIETNAMESE_VOWELS[vowel]
    assert len(set(letters)) == 6 and all(unicodedata.is_normalized("NFC", ch) for ch in letters)
    assert to_gsm(letters) == BASE_LETTER[vowel] * 6


@pytest.mark.parametrize("vowel", list(VIETNAMESE_VOWELS))
def test_every_tone_of_every_uppercase_vowel_becomes_its_base_letter(vowel: str) -> None:
    assert to_gsm(VIETNAMESE_VOWELS[vowel].upper()) == BASE_LETTER[vowel].upper() * 6


@pytest.mark.parametrize("vowel", list(VIETNAMESE_VOWELS))
def test_decomposed_input_unaccents_like_composed_input(vowel: str) -> None:
    letters = VIETNAMESE_VOWELS[vowel]
    assert to_gsm(unicodedata.normalize("NFD", letters)) == to_gsm(letters)


def test_d_with_stroke_is_mapped_by_hand() -> None:
    assert to_gsm("đ Đ") == "d D"
    assert to_gsm("Ðà Nẵng") == "Da Nang", "the Icelandic eth used for Đ by legacy converters"


def test_a_vietnamese_sentence_unaccents_to_plain_letters() -> None:
    assert to_gsm("Đường đến TRƯỜNG Lê Quý Đôn, lớp 6A1.") == "Duong den TRUONG Le Quy Don, lop 6A1."


def test_gsm7_letters_with_diacritics_also_lose_them() -> None:
    assert to_gsm("èéùìòÇÅåÉÄÖÑÜäöñüà") == "eeuioCAaEAONUaonua"


def test_other_gsm7_characters_are_kept() -> None:
    kept = "@£$¥ØøΔ_ΦΓΛΩΠΨΣΘΞÆæß!\"#¤%&'()*+,-./0123456789:;<=>?¡§¿\n\r^{}\\[~]|€"
    assert to_gsm(kept) == kept


@pytest.mark.parametrize(
    ("typographic", "plain"),
    [
        ("‘trích’", "'trich'"),
        ("“Họp”", '"Hop"'),
        ("«Họp»", '"Hop"'),
        ("7–8 giờ", "7-8 gio"),
        ("nghỉ — học", "nghi - hoc"),
        ("−5", "-5"),
        ("v.v…", "v.v..."),
        ("6A1\u00a0và\u202f6A2", "6A1 va 6A2"),
        ("a\u2003b\u3000c\td", "a b c d"),
        ("• Toán", "- Toan"),
        ("ghi\u00adchú\u200b", "ghichu"),
        ("dòng\u2028mới", "dong\nmoi"),
        ("`x´", "'x'"),
    ],
)
def test_typographic_characters_become_plain_ones(typographic: str, plain: str) -> None:
    assert to_gsm(typographic) == plain


@pytest.mark.parametrize(
    ("text", "plain"),
    [("Chúc mừng 😀", "Chuc mung ?"), ("👍🏽", "?"), ("❤️", "?"), ("👨\u200d👩\u200d👧", "???")],
)
def test_emoji_become_one_question_mark_per_symbol(text: str, plain: str) -> None:
    assert to_gsm(text) == plain


def test_other_scripts_become_question_marks() -> None:
    assert to_gsm("한국 中文 Ωμέγα") == "?? ?? Ω????"


def _corpus(count: int) -> list[str]:
    """Deterministic random strings over a wide alphabet: ASCII, Latin, Vietnamese, marks, symbols, emoji."""
    rng = random.Random(0)
    ranges = [
        (0x00, 0x7F), (0x80, 0x24F), (0x1EA0, 0x1EF9), (0x300, 0x36F), (0x370, 0x4FF),
        (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2190, 0x27BF), (0x3000, 0x30FF), (0x4E00, 0x4FFF),
        (0xAC00, 0xAD00), (0xD800, 0xDFFF), (0xFE00, 0xFF60), (0x1F300, 0x1FAFF), (0x0, 0x10FFFF),
    ]  # fmt: skip
    alphabet_sample = "".join(VIETNAMESE_VOWELS.values()) + "đĐ" + "".join(GSM7_BASIC | GSM7_EXTENSION)
    texts = []
    for _ in range(count):
        chars = []
        for _ in range(rng.randrange(0, 200)):
            if rng.random() < 0.3:
                chars.append(rng.choice(alphabet_sample))
            else:
                low, high = rng.choice(ranges)
                chars.append(chr(rng.randint(low, high)))
        texts.append("".join(chars))
    return texts


def test_unaccented_form_of_any_text_is_gsm7_and_stable() -> None:
    for text in _corpus(2000):
        plain = to_gsm(text)
        assert sms_segments(plain)[0] == "GSM-7", repr(text)
        assert to_gsm(plain) == plain, repr(text)


# Cost


def test_cost_is_segments_times_recipients_times_price() -> None:
    assert cost(segments=3, recipients=40, price_per_segment=750) == 90_000


def test_nothing_to_send_costs_nothing() -> None:
    assert cost(segments=0, recipients=40, price_per_segment=750) == 0


def test_negative_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        cost(segments=-1, recipients=1, price_per_segment=750)
