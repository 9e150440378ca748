"""Provider webhooks: Twilio status callbacks (signature checked, idempotent, answered fast)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from flask.typing import ResponseReturnValue
from twilio.request_validator import RequestValidator

from contactbook.auth.access import webhook
from contactbook.extensions import csrf
from contactbook.messaging.delivery import apply_status_callback

bp = Blueprint("messaging", __name__)


@bp.route("/webhooks/twilio/status", methods=["POST"])
@csrf.exempt
@webhook
def twilio_status() -> ResponseReturnValue:
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    url = current_app.config.get("TWILIO_STATUS_CALLBACK_URL") or request.url
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not RequestValidator(token).validate(url, request.form.to_dict(), signature):
        abort(403)
    sid, status = request.form.get("MessageSid", ""), request.form.get("MessageStatus", "")
    if not sid or not status:
        abort(400)
    apply_status_callback(sid, status, request.form.get("ErrorCode"))
    return "", 204
