"""The console outbox: SMS and email 'sent' by the console providers during `make run`."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from contactbook.auth.access import dev_only
from contactbook.messaging.providers.console import recent

bp = Blueprint("dev", __name__)


@bp.route("/outbox")
@dev_only
def outbox() -> ResponseReturnValue:
    return render_template("dev/outbox.html", messages=recent(current_app.config["REDIS_URL"]))
