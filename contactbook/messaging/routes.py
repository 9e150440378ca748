"""Provider webhooks: Twilio status callbacks (signature checked, idempotent, answered fast).

Each SMS's callback URL is the configured `TWILIO_STATUS_CALLBACK_URL` with the message's id in its
query; Twilio signs that whole URL, so the signature is checked against the configured URL with this
request's query, and the id read from it cannot have been changed.
"""

from __future__ import annotations

import redis
from flask import Blueprint, abort, current_app, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import RequestValidator

from contactbook.auth.access import webhook
from contactbook.extensions import csrf
from contactbook.inputs import id_argument
from contactbook.messaging.providers.twilio import MESSAGE_ARGUMENT
from contactbook.messaging.services import record_status
from contactbook.tenancy import delivery_scope

bp = Blueprint("messaging", __name__)
# Twilio's own sizes: a 34-character SID, a status word, an error code of at most 5 digits.
FIELD_LIMITS = {"MessageSid": 64, "MessageStatus": 32, "ErrorCode": 16}
RETRY_AFTER_SECONDS = 60


@bp.route("/webhooks/twilio/status", methods=["POST"])
@csrf.exempt
@webhook
def twilio_status() -> ResponseReturnValue:
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not RequestValidator(token).validate(_signed_url(), request.form.to_dict(), signature):
        abort(403)
    sid, status = request.form.get("MessageSid", ""), request.form.get("MessageStatus", "")
    if not sid or not status:
        abort(400)
    too_long = [name for name, limit in FIELD_LIMITS.items() if len(request.form.get(name, "")) > limit]
    if too_long:
        return f"field too long: {', '.join(too_long)}", 400
    try:
        with delivery_scope():  # a report names a message, not a school
            record_status(
                sid, status, request.form.get("ErrorCode"), id_argument(MESSAGE_ARGUMENT), request.form.get("To")
            )
    except (SQLAlchemyError, redis.RedisError):
        # Not recorded: answer a status Twilio retries, never a 500 that loses the report.
        current_app.logger.exception("Twilio status callback for %s not recorded; asked to retry", sid)
        return "not recorded, retry later", 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return "", 204


def _signed_url() -> str:
    """The URL Twilio signed: the configured webhook URL, with this request's query when it has one."""
    configured = current_app.config.get("TWILIO_STATUS_CALLBACK_URL") or request.base_url
    query = request.query_string.decode("latin-1")  # as received: the bytes Twilio signed
    return f"{configured.partition('?')[0]}?{query}" if query else configured
