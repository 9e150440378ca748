"""The portal's pages: sign-in (by a code or an emailed link), the family's children, sign-out, the manifest;
and the addresses a family tries first (`/phu-huynh`, a school's own `/s/<slug>/family/`), which lead to it."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from contactbook.auth.access import public
from contactbook.auth.forms import PostForm
from contactbook.auth.routes import safe_next
from contactbook.extensions import client_address
from contactbook.family.children import children_of
from contactbook.family.forms import CodeForm, EmailForm, LinkForm, PhoneForm
from contactbook.family.services import signin
from contactbook.family.session import (
    close_family_session,
    current_family,
    family_required,
    open_family_session,
    signed_in_family,
)
from contactbook.messaging.vocabulary import Channel
from contactbook.models import Family
from contactbook.phones import display_vn_phone
from contactbook.web import select_locale

bp = Blueprint("family", __name__)
entrances = Blueprint("family_entrances", __name__)
TOO_MANY = 429
# The number this browser last asked a code for: the code step needs no more than the code itself.
ASKED_PHONE_KEY = "family_sign_in_phone"
# The address this browser last asked a link for: the link opened in this browser signs in at once.
ASKED_EMAIL_KEY = "family_sign_in_email"


@bp.route("/")
@family_required
def home() -> ResponseReturnValue:
    family = signed_in_family()
    return render_template("family/home.html", groups=children_of(family), sign_out_form=PostForm())


def _signed_in(family: Family, target: str | None) -> ResponseReturnValue:
    open_family_session(family)
    home = url_for("family.home")
    target = safe_next(target, home)
    return redirect(target if target.startswith(home) else home)  # only a page of the portal


def _problem(result: signin.Checked) -> str:
    if result.problem is signin.Problem.WRONG:
        return _("That code is not right. Tries left: %(count)d.", count=result.tries_left)
    if result.problem is signin.Problem.LOCKED:
        return _("Too many wrong tries: this code no longer works. Ask for a new one.")
    return _("This code has expired or was already used. Ask for a new one.")


def _limited() -> ResponseReturnValue:
    flash(_("Too many tries. Please wait a while, then try again."), "error")
    page = render_template(
        "family/sign_in.html", phone_form=PhoneForm(formdata=None), email_form=EmailForm(formdata=None)
    )
    return page, TOO_MANY


def _code_page(form: CodeForm, phone: str) -> str:
    return render_template("family/sign_in_code.html", form=form, shown_phone=display_vn_phone(phone))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> ResponseReturnValue:
    if request.method == "POST" and "code" in request.form:
        return _check_code()
    if request.method == "GET" and current_family() is not None:
        return redirect(url_for("family.home"))
    phone_form, email_form = PhoneForm(), EmailForm()
    if request.method == "GET":
        phone_form.next.data = email_form.next.data = request.args.get("next", "")[:300]
    elif "email" in request.form:
        if email_form.validate_on_submit():
            address = (email_form.email.data or "").lower()
            if not signin.ask(Channel.EMAIL, address, client_address(), locale=select_locale()):
                return _limited()
            session[ASKED_EMAIL_KEY] = address
            return render_template("family/sign_in_sent.html", address=address)
    elif phone_form.validate_on_submit():
        if not signin.ask(Channel.SMS, phone_form.e164, client_address(), locale=select_locale()):
            return _limited()
        session[ASKED_PHONE_KEY] = phone_form.e164
        form = CodeForm(formdata=None, phone=phone_form.e164, next=phone_form.next.data)
        return _code_page(form, phone_form.e164)
    return render_template("family/sign_in.html", phone_form=phone_form, email_form=email_form)


def _check_code() -> ResponseReturnValue:
    form = CodeForm()
    if "phone" not in request.form:  # a form that sent the code alone: the number this browser asked for
        form.phone.data = session.get(ASKED_PHONE_KEY) or ""
    if not form.validate_on_submit():
        if form.phone.errors or form.csrf_token.errors:  # not a page of ours: start again
            return redirect(url_for("family.sign_in"))
        return _code_page(form, form.e164)
    result = signin.check_code(form.e164, form.digits, client_address())
    if result.family is not None:
        return _signed_in(result.family, form.next.data)
    if result.problem is signin.Problem.LIMITED:
        return _limited()
    form.code.errors = [*form.code.errors, _problem(result)]
    return _code_page(form, form.e164)


@bp.route("/sign-in/link", methods=["GET", "POST"])
@public
def email_link() -> ResponseReturnValue:
    """An emailed link signs in at once in the browser that asked for it; anywhere else it opens a page with
    a button, so a mail scanner following the link (without this browser's session) signs nobody in."""
    form = LinkForm()
    if request.method == "GET":
        form.token.data = token = request.args.get("token", "")[:80]
        address = signin.open_link_address(token)
        if address is not None and address == session.get(ASKED_EMAIL_KEY):
            result = signin.check_link(token, client_address())
            if result.family is not None:
                session.pop(ASKED_EMAIL_KEY, None)
                return _signed_in(result.family, None)
            if result.problem is signin.Problem.LIMITED:
                return _limited()
            address = None
        return render_template("family/sign_in_link.html", form=form, usable=address is not None)
    problem = _("This link has expired or was already used. Ask for a new one.")
    if form.validate_on_submit():
        result = signin.check_link(form.token.data or "", client_address())
        if result.family is not None:
            return _signed_in(result.family, None)
        if result.problem is signin.Problem.LIMITED:
            return _limited()
    return render_template("family/sign_in_link.html", form=form, usable=False, problem=problem)


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out() -> ResponseReturnValue:
    form = PostForm()
    if form.validate_on_submit() and current_family() is not None:
        close_family_session()
        flash(_("You have signed out."), "info")
    return redirect(url_for("family.sign_in"))


@bp.route("/manifest.webmanifest")
@public
def manifest() -> ResponseReturnValue:
    """The web app manifest: the portal installs on a phone's home screen."""
    icon = "family-icon-{size}.png"
    data = {
        "name": _("Family portal – Electronic contact book"),
        "short_name": _("Contact book"),
        "lang": select_locale(),
        "start_url": url_for("family.home"),
        "scope": url_for("family.home"),
        "display": "standalone",
        "background_color": "#f6f8fa",
        "theme_color": "#1d4e89",
        "icons": [
            {"src": url_for("static", filename=icon.format(size=size)), "sizes": f"{size}x{size}", "type": "image/png"}
            for size in (192, 512)
        ]
        + [
            {
                "src": url_for("static", filename="family-icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            }
        ],
    }
    response = jsonify(data)
    response.mimetype = "application/manifest+json"
    return response


@entrances.route("/parent", endpoint="parent")
@entrances.route("/phu-huynh", endpoint="phu_huynh")
@entrances.route("/s/<school_slug>/family/", endpoint="school_family")
@entrances.route("/s/<school_slug>/portal", endpoint="school_portal")
@public
def entrance() -> ResponseReturnValue:
    """The portal is one, on the main domain's `/family/`: a family that looks for it elsewhere is sent there
    (a school's path answers 404 for a school that does not exist, as its other pages do)."""
    return redirect(url_for("family.home"))
