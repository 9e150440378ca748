"""Composing a claimed daily digest from its items, when it is about to be sent. Statements only: the
units of work in `delivery` commit them with the other outcomes of the batch.

The items still eligible (checked again by `checks`, as any message) make the text:
the digest template, a heading per child (in the order of their first item) and the child's lines. The
SMS segments are counted on the final text and the cost (at the school's price now) is written on the
digest; an SMS digest longer than a provider accepts ends with "+N more" instead of its last lines. The
items end `digested` ("in digest message N"), or `skipped` when no longer eligible; a digest with no item
left is skipped. Every write waits for a conditional update of the digest on the claim stamp this worker
holds, so a digest the sweep took back meanwhile (and another worker may have) is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from contactbook.extensions import among, db
from contactbook.messaging.outcomes import NO_LONGER_ELIGIBLE, Outcome
from contactbook.messaging.render import email_footer, render_message, with_footer
from contactbook.messaging.text import sms_segments
from contactbook.messaging.vocabulary import Channel
from contactbook.models import Guardian, Message, MessageStatus, School, ServiceSettings, Student
from contactbook.roster.rules import given_name

SMS_MAX_CHARS = 1600  # Twilio refuses a longer body (error 21617)
NOTHING_LEFT = "nothing left to send: no item of the digest is still eligible"
OPEN = (MessageStatus.QUEUED, MessageStatus.DIGESTED)  # an item composed before a failed try goes again


@dataclass(frozen=True)
class Item:
    """An item of a digest, as composing needs it (and as eligibility is checked)."""

    id: int
    digest_id: int
    guardian_id: int
    student_id: int | None
    category: str
    channel: str
    line: str


def items_of(digests: Sequence[Message]) -> dict[int, list[Item]]:
    """The items of each digest not yet settled otherwise, in the order they were written."""
    found: dict[int, list[Item]] = {d.id: [] for d in digests}
    if not digests:
        return found
    rows = db.session.execute(
        select(
            Message.id,
            Message.digest_id,
            Message.guardian_id,
            Message.student_id,
            Message.category,
            Message.channel,
            Message.body,
        )
        .where(among(Message.digest_id, list(found)), Message.status.in_(OPEN))
        .order_by(Message.created_at, Message.id)
    ).tuples()
    for item_id, digest_id, guardian_id, student_id, category, channel, line in rows:
        assert digest_id is not None
        found[digest_id].append(Item(item_id, digest_id, guardian_id, student_id, category, channel, line))
    return found


def compose(
    school: School,
    settings: ServiceSettings,
    digests: Sequence[Message],
    items: dict[int, list[Item]],
    eligible: set[int],
    outcomes: dict[int, Outcome],
) -> list[Message]:
    """Write each digest's text, segments and cost and settle its items; returns the digests to send."""
    if not digests:
        return []
    every = [item for digest in digests for item in items[digest.id]]
    names = _names(Student, {i.student_id for i in every if i.student_id is not None})
    guardians = _names(Guardian, {d.guardian_id for d in digests if d.channel == Channel.EMAIL})
    ready = []
    for digest in digests:
        kept = [item for item in items[digest.id] if item.id in eligible]
        dropped = [item for item in items[digest.id] if item.id not in eligible]
        values: dict[str, Any] = {}
        if kept:
            body, subject = _text(digest, school, settings, kept, names, guardians.get(digest.guardian_id, ""))
            segments = sms_segments(body)[1] if digest.channel == Channel.SMS else 0
            values = {"body": body, "subject": subject, "segments": segments}
            values["cost"] = segments * settings.sms_segment_price
        if not _own(digest, values):
            continue  # no longer ours: whoever holds it now composes it
        _settle(kept, MessageStatus.DIGESTED, f"in digest message {digest.id}")
        _settle(dropped, MessageStatus.SKIPPED, NO_LONGER_ELIGIBLE)
        if not kept:
            outcomes[digest.id] = Outcome(MessageStatus.SKIPPED, NOTHING_LEFT)
            continue
        for name, value in values.items():
            set_committed_value(digest, name, value)  # as written: the provider gets this text
        ready.append(digest)
    return ready


def expire(digests: Sequence[Message]) -> None:
    """The items of digests that expired unsent expire with them."""
    for digest in digests:
        if _own(digest, {}):
            _settle(items_of([digest])[digest.id], MessageStatus.EXPIRED, f"digest message {digest.id} expired")


def _own(digest: Message, values: dict[str, Any]) -> bool:
    """Write `values` on the digest if this worker still holds its claim (which locks the row until the commit)."""
    changes = values or {"body": Message.body}  # nothing to change: the update only checks and locks
    result = db.session.execute(
        update(Message)
        .where(
            Message.id == digest.id,
            Message.status == MessageStatus.CLAIMED,
            Message.claimed_at == digest.claimed_at,
        )
        .values(changes)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _settle(items: Sequence[Item], status: MessageStatus, reason: str) -> None:
    if items:
        db.session.execute(
            update(Message)
            .where(among(Message.id, [i.id for i in items]), Message.status.in_(OPEN))
            .values(status=status, error=reason)
            .execution_options(synchronize_session=False)
        )


def _names(model: type[Student] | type[Guardian], ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.full_name).where(among(model.id, ids))).tuples().all())


def _text(
    digest: Message,
    school: School,
    settings: ServiceSettings,
    kept: list[Item],
    names: dict[int, str],
    guardian: str,
) -> tuple[str, str | None]:
    """The digest's text, and for an email its subject."""
    assert digest.digest_on is not None
    day = digest.digest_on
    children: dict[int | None, list[str]] = {}
    for item in kept:
        children.setdefault(item.student_id, []).append(item.line)
    if digest.channel == Channel.SMS:
        short = [(given_name(names.get(s, "")) if s else "", lines) for s, lines in children.items()]

        def sms(shown: list[dict[str, Any]], more: int) -> str:
            context = {"school": school.name, "day": day, "children": shown, "more": more}
            return render_message("digest", "vi", context, unaccented=settings.sms_unaccented)

        return _fit(sms, short), None
    full = [{"name": names.get(s, "") if s else "", "lines": lines} for s, lines in children.items()]
    context = {"school_name": school.name, "guardian": guardian or "Quý phụ huynh", "day": day, "children": full}
    text = render_message("email_digest", "vi", {**context, "more": 0}, unaccented=False)
    text = with_footer(text, email_footer(school.name, current_app.config["PORTAL_URL"]))
    return text, f"{school.name}: tin trong ngày {day:%d/%m/%Y}"


def _fit(render: Callable[[list[dict[str, Any]], int], str], children: list[tuple[str, list[str]]]) -> str:
    """The text with as many lines as fit in one provider request, the rest counted as "+N more"."""
    total = sum(len(lines) for _, lines in children)
    keep = total
    while True:
        shown, left = [], keep
        for name, lines in children:
            if left > 0:
                shown.append({"name": name, "lines": lines[:left]})
                left -= len(lines[:left])
        text = render(shown, total - keep)
        if len(text) <= SMS_MAX_CHARS or keep == 0:
            return text
        keep -= 1
