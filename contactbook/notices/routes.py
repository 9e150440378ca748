"""The notice pages: write a notice and see what it will cost, send it, follow its delivery, retry failures.

Staff holding `notices.send` use them. With `roster.view_all` they may write to the whole school or to
grade levels and see every notice of the school; other staff write only to their own classes (or
students of them) and see only the notices they wrote: another's notice answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from contactbook.auth.access import permissions_of, school_member, sees_all, staff_user
from contactbook.auth.rules import Permission
from contactbook.inputs import page_number
from contactbook.messaging.text import to_gsm
from contactbook.models import Notice, School
from contactbook.models.base import utcnow
from contactbook.notices import audiences, queries
from contactbook.notices.forms import NoticeForm, RetryForm
from contactbook.notices.labels import audience_label, channel_label, failure_kind_label, message_status_label
from contactbook.notices.rules import Disclosure, disclosure
from contactbook.notices.services import (
    Audience,
    NoticeError,
    Preview,
    audience_students,
    create_notice,
    preview_notice,
    retry_failed,
)
from contactbook.roster.labels import domestic_phone
from contactbook.subscriptions.labels import category_label
from contactbook.subscriptions.services import settings_of
from contactbook.tenancy import current_school, get_scoped_or_404
from contactbook.timezones import school_today, school_zone

bp = Blueprint("notices", __name__)


@bp.context_processor
def _display_helpers() -> dict[str, Any]:
    return {
        "audience_label": audience_label,
        "category_label": category_label,
        "channel_label": channel_label,
        "message_status_label": message_status_label,
        "failure_kind_label": failure_kind_label,
        "domestic_phone": domestic_phone,
        "moment_text": _when,
        "quiet_hours": _quiet_hours,
    }


def _quiet_hours() -> dict[str, str]:
    """The school's quiet hours as the pages show them: {"start": "21:00", "end": "07:00"}."""
    settings = settings_of(current_school())
    return {"start": f"{settings.quiet_start_hour:02d}:00", "end": f"{settings.quiet_end_hour:02d}:00"}


def _own_notice(notice_id: int) -> Notice:
    """The notice, if it is of this school and the user may open it; else 404."""
    notice = get_scoped_or_404(Notice, notice_id)
    user = staff_user()
    if not queries.may_open(notice, user, sees_all=sees_all(user)):
        abort(404)
    return notice


def _seen(audience_size: int) -> Disclosure:
    """How much the user may see of the messages owed to an audience of this size."""
    return disclosure(permissions_of(staff_user()), audience_size)


# --- Writing and sending ---------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@school_member(Permission.NOTICES_SEND)
def compose() -> ResponseReturnValue:
    school = current_school()
    user = staff_user()
    options = audiences.options_for(school, user, sees_all=sees_all(user))
    form = NoticeForm()
    form.offer(options)
    if request.method == "POST":
        if form.ids_malformed() or form.submission_malformed():
            abort(400)
        chosen = form.chosen_audience()
        if chosen is not None and not options.allows(chosen):
            abort(403)  # an audience the form never offered this user: a forged request
    if not form.validate_on_submit():
        return render_template("notices/compose.html", form=form, options=options, preview=None)
    audience = form.chosen_audience()
    assert audience is not None  # the form validated a kind and its ids
    title, body, category = form.title.data or "", form.body.data or "", form.category.data or ""
    send_at = form.send_at_moment(school_zone())
    if form.confirm.data == "1":
        try:
            notice = create_notice(
                school,
                user,
                title=title,
                body=body,
                category=category,
                urgent=bool(form.urgent.data),
                audience=audience,
                send_at=send_at,
                submission=form.submission.data or None,
            )
        except NoticeError as exc:
            form.form_errors.append(_(str(exc)))
            return render_template("notices/compose.html", form=form, options=options, preview=None)
        starts = queries.sending_starts(school, _first_due(notice), notice.urgent, school_zone())
        if starts is None:
            flash(_("The notice is recorded and is being sent."), "info")
        else:
            flash(_("The notice is recorded. Sending starts at %(time)s.", time=_when(starts)), "info")
        return redirect(url_for("notices.progress", notice_id=notice.id))
    preview = preview_notice(school, title=title, body=body, category=category, audience=audience)
    form.new_submission()
    context = _preview_context(school, form, preview, audience, send_at)
    return render_template("notices/compose.html", form=form, options=options, preview=preview, **context)


def _preview_context(
    school: School, form: NoticeForm, preview: Preview, audience: Audience, send_at: datetime | None
) -> dict[str, Any]:
    """What the preview shows besides the `Preview` itself: students reached, timing, the unaccented offer."""
    settings = settings_of(school)
    now = utcnow()
    goes_at = queries.sending_starts(school, max(send_at or now, now), bool(form.urgent.data), school_zone(), now)
    students = len(audience_students(school, audience))
    title, body = form.title.data or "", form.body.data or ""
    unaccented = None
    if preview.ucs2 and (to_gsm(title) != title or to_gsm(body) != body):
        # The SMS the unaccented title and text would give (nobody as audience: only the text is computed).
        plain = preview_notice(
            school,
            title=to_gsm(title),
            body=to_gsm(body),
            category=form.category.data or "",
            audience=Audience("students", ()),
        )
        unaccented = {"title": to_gsm(title), "body": to_gsm(body), "sms": plain.sms_text, "segments": plain.segments}
    seen = _seen(students)
    return {
        "student_count": students,
        "seen": seen,
        "price": settings.sms_segment_price,
        "goes_at": goes_at,
        "unaccented": unaccented,
        "month_cost": queries.month_sms_cost(school, school_zone()) if seen.full else None,
    }


# --- Following a notice ----------------------------------------------------------------------------


@bp.route("/", endpoint="list")
@school_member(Permission.NOTICES_SEND)
def notice_list() -> ResponseReturnValue:
    school = current_school()
    user = staff_user()
    result = queries.notice_page(school, user, sees_all=sees_all(user), page=page_number())
    full = _seen(0).full
    return render_template(
        "notices/list.html",
        result=result,
        names=queries.audience_names(result.notices),
        sees_all=sees_all(user),
        full=full,
        seen={n.id: Disclosure.FULL if full else _seen(queries.audience_size(school, n)) for n in result.notices},
        month_cost=queries.month_sms_cost(school, school_zone()) if full else None,
    )


@bp.route("/<int:notice_id>")
@school_member(Permission.NOTICES_SEND)
def progress(notice_id: int) -> ResponseReturnValue:
    notice = _own_notice(notice_id)
    school = current_school()
    seen = _seen(queries.audience_size(school, notice))
    starts = queries.sending_starts(school, _first_due(notice), notice.urgent, school_zone())
    return render_template(
        "notices/progress.html",
        notice=notice,
        names=queries.audience_names([notice]),
        seen=seen,
        starts=starts,
        quiet=starts is not None and starts > _first_due(notice),
        progress=queries.progress_of(notice),
        reads=queries.reads_of(notice),
        problems=queries.problems_of(notice) if seen.full else [],
        not_sent=queries.not_sent_reasons(notice) if seen.full else [],
        retryable=queries.retryable_count(notice) if seen.full else 0,
        retry_form=RetryForm(),
    )


@bp.route("/<int:notice_id>/progress.json")
@school_member(Permission.NOTICES_SEND)
def progress_json(notice_id: int) -> ResponseReturnValue:
    notice = _own_notice(notice_id)
    return jsonify(queries.progress_of(notice).as_json(_seen(queries.audience_size(current_school(), notice))))


def _first_due(notice: Notice) -> datetime:
    return max(notice.send_at or notice.created_at, notice.created_at)


def _when(moment: datetime) -> str:
    """A moment as the pages show it: "07:00" today, "07:00 05/12/2026" on another day (local time)."""
    local = moment.astimezone(school_zone())
    if local.date() == school_today():
        return local.strftime("%H:%M")
    return local.strftime("%H:%M %d/%m/%Y")


@bp.route("/<int:notice_id>/retry", methods=["POST"])
@school_member(Permission.NOTICES_SEND)
def retry(notice_id: int) -> ResponseReturnValue:
    notice = _own_notice(notice_id)
    if not RetryForm().validate_on_submit():
        abort(400)
    count = retry_failed(current_school(), staff_user(), notice)
    if not _seen(queries.audience_size(current_school(), notice)).full:
        # How many failed would tell who gets messages: the same answer whatever the count.
        flash(_("Failed messages that may go through now are sent again, if there are any."), "info")
    elif count:
        flash(_("Messages to be sent again: %(count)s.", count=count), "info")
    else:
        flash(_("No failed message to send again."), "info")
    return redirect(url_for("notices.progress", notice_id=notice.id))
