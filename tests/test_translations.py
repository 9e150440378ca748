"""The Vietnamese catalog covers every message of the source and keeps its placeholders intact."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
MAPPING_FILE = ROOT / "contactbook" / "translations" / "babel.cfg"
VI_PO = ROOT / "contactbook" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"

KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "_l": None,
    "N_": None,
}

# A named printf-style placeholder such as %(name)s or %(count)d.
PLACEHOLDER = re.compile(r"%\(([^)]*)\)[#0\- +]*\d*(?:\.\d+)?[a-zA-Z]")

MsgId = str | tuple[str, ...]


def _load_vi() -> Catalog:
    """Read the Vietnamese catalog."""
    with VI_PO.open("rb") as fileobj:
        return read_po(fileobj, locale="vi")


def _extracted() -> Iterator[tuple[MsgId, str | None, str]]:
    """Yield (msgid, context, where) for every message Babel extracts from the source."""
    with MAPPING_FILE.open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, filename=str(MAPPING_FILE))
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        yield message, context, f"{filename}:{lineno}"


def _strings(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Return a msgid or msgstr as a tuple of strings (one for singular, several for plural)."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def test_every_extracted_message_is_translated_to_vietnamese() -> None:
    """Every msgid found in the code and templates has a non-empty Vietnamese msgstr."""
    catalog = _load_vi()
    missing: dict[str, list[str]] = {}
    for msgid, context, where in _extracted():
        entry = catalog.get(msgid, context=context)
        strings = _strings(entry.string) if entry is not None else ()
        if not strings or not all(s.strip() for s in strings) or (entry is not None and entry.fuzzy):
            missing.setdefault(" | ".join(_strings(msgid)), []).append(where)
    assert not missing, (
        f"{len(missing)} message(s) without a Vietnamese translation in {VI_PO} "
        "(run `make extract-messages`, then fill in the msgstr):\n"
        + "\n".join(f"  {msgid!r}  ({', '.join(places)})" for msgid, places in sorted(missing.items()))
    )


def test_vietnamese_translations_keep_placeholders() -> None:
    """No Vietnamese msgstr loses or adds a %(...)s placeholder compared with its msgid."""
    broken: list[str] = []
    for message in _load_vi():
        if not message.id:
            continue  # the header
        ids = _strings(message.id)
        expected = Counter(PLACEHOLDER.findall(ids[-1]))  # with one plural form, it stands for the plural msgid
        for translated in _strings(message.string):
            if not translated:
                continue  # missing translations are the other test's concern
            found = Counter(PLACEHOLDER.findall(translated))
            if found != expected:
                broken.append(f"  {ids[0]!r} -> {translated!r}: expected {dict(expected)}, found {dict(found)}")
    assert not broken, "Vietnamese translations with wrong placeholders:\n" + "\n".join(broken)
