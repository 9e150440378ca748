"""The portal's pages: sign-in, the family's children, sign-out."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from contactbook.auth.access import public
from contactbook.auth.forms import PostForm
from contactbook.family.children import children_of
from contactbook.family.session import close_family_session, family_required, signed_in_family

bp = Blueprint("family", __name__)


@bp.route("/")
@family_required
def home() -> ResponseReturnValue:
    family = signed_in_family()
    return render_template("family/home.html", groups=children_of(family), sign_out_form=PostForm())


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> ResponseReturnValue:
    return render_template("family/sign_in.html")


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out() -> ResponseReturnValue:
    form = PostForm()
    if form.validate_on_submit():
        close_family_session()
    return redirect(url_for("family.sign_in"))
