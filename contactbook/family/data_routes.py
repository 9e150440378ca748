"""The family's data rights in the portal: ask a school for a copy of its data or for its erasure, and
download the copy once the school has provided it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from contactbook.auth.forms import PostForm
from contactbook.data_requests import queries
from contactbook.data_requests.forms import ErasureForm
from contactbook.data_requests.labels import kind_label, status_label
from contactbook.data_requests.services import DataRequestError, ask
from contactbook.family.session import family_required, signed_in_family
from contactbook.models import DataRequestKind, School

bp = Blueprint("family_data", __name__)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"kind_label": kind_label, "status_label": status_label}


def _school_or_404(school_id: int) -> School:
    """One of the signed-in family's schools; any other answers 404."""
    found = next((s for s in queries.family_schools(signed_in_family()) if s.id == school_id), None)
    if found is None:
        abort(404)
    return found


def _ask(school: School, kind: DataRequestKind) -> ResponseReturnValue:
    try:
        ask(signed_in_family(), school.id, kind)
    except DataRequestError as error:
        flash(_(error.message, **error.params), "error")
    else:
        flash(_("Your request was sent to %(school)s. The school answers within 2 working days.", school=school.name))
    return redirect(url_for("family_data.index"))


@bp.route("/")
@family_required
def index() -> ResponseReturnValue:
    family = signed_in_family()
    return render_template(
        "family/data.html",
        schools=queries.family_schools(family),
        requests=queries.family_requests(family),
        form=PostForm(),
    )


@bp.route("/copy/<int:school_id>", methods=["POST"])
@family_required
def ask_copy(school_id: int) -> ResponseReturnValue:
    school = _school_or_404(school_id)
    if not PostForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("family_data.index"))
    return _ask(school, DataRequestKind.COPY)


@bp.route("/erase/<int:school_id>", methods=["GET", "POST"])
@family_required
def ask_erasure(school_id: int) -> ResponseReturnValue:
    school = _school_or_404(school_id)
    form = ErasureForm()
    if form.validate_on_submit():
        return _ask(school, DataRequestKind.ERASURE)
    return render_template("family/data_erase.html", school=school, form=form)


@bp.route("/requests/<int:copy_id>/copy.zip")
@family_required
def download(copy_id: int) -> ResponseReturnValue:
    school, content = queries.family_copy_or_404(signed_in_family(), copy_id)
    filename = f"du-lieu-{school.slug}-{copy_id}.zip"  # a slug is ASCII letters, digits and hyphens
    return (
        content,
        200,
        {
            "Content-Type": "application/zip",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
