"""The contact book: an electronic contact book (sổ liên lạc điện tử) for Vietnamese schools."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web application; `config` overrides the settings read from the environment."""
    from config import load_config
    from contactbook import web
    from contactbook.extensions import babel, csrf, db, init_sqlite, limiter, login_manager, migrate, tasks
    from contactbook.messaging.services.outbox import install_nudges
    from contactbook.tenancy import install_row_scopes

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(overrides=config))

    db.init_app(app)
    init_sqlite(app)
    migrate.init_app(app, db, directory=str(web.MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale, timezone_selector=web.select_timezone)
    limiter.init_app(app)
    tasks.init_app(app)
    install_nudges()
    install_row_scopes()
    web.init_app(app)

    from contactbook.accounts.routes import bp as accounts_bp
    from contactbook.attendance.export_routes import bp as attendance_exports_bp
    from contactbook.attendance.routes import bp as attendance_bp
    from contactbook.attendance.settings_routes import bp as attendance_settings_bp
    from contactbook.audit.routes import bp as audit_bp
    from contactbook.auth.routes import bp as auth_bp
    from contactbook.campaigns.public_routes import bp as campaigns_public_bp
    from contactbook.campaigns.routes import bp as campaigns_bp
    from contactbook.daily_notes.routes import bp as daily_notes_bp
    from contactbook.data_requests.routes import bp as data_requests_bp
    from contactbook.dev.routes import bp as dev_bp
    from contactbook.early_warnings.routes import bp as early_warnings_bp
    from contactbook.family.child_routes import bp as family_child_bp
    from contactbook.family.daily_note_routes import bp as family_daily_notes_bp
    from contactbook.family.data_routes import bp as family_data_bp
    from contactbook.family.leave_routes import bp as family_leave_bp
    from contactbook.family.receipt_routes import bp as family_receipts_bp
    from contactbook.family.routes import bp as family_bp
    from contactbook.family.routes import entrances as family_entrances_bp
    from contactbook.family.service_routes import bp as family_service_bp
    from contactbook.grading.routes import bp as grades_bp
    from contactbook.leave_requests.routes import bp as leave_requests_bp
    from contactbook.messaging.routes import bp as messaging_bp
    from contactbook.notices.routes import bp as notices_bp
    from contactbook.oversight.routes import bp as oversight_bp
    from contactbook.platform.routes import bp as platform_bp
    from contactbook.public_site.routes import bp as public_site_bp
    from contactbook.roster.import_routes import bp as roster_import_bp
    from contactbook.roster.routes import bp as roster_bp
    from contactbook.schools.routes import bp as schools_bp
    from contactbook.subscriptions.payment_routes import bp as payments_bp
    from contactbook.subscriptions.report_routes import bp as reports_bp
    from contactbook.subscriptions.routes import bp as subscriptions_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(platform_bp, url_prefix="/platform")
    app.register_blueprint(public_site_bp, url_prefix="/s/<school_slug>")
    app.register_blueprint(campaigns_bp, url_prefix="/platform/authority/campaigns")
    app.register_blueprint(campaigns_public_bp, url_prefix="/register")
    app.register_blueprint(oversight_bp, url_prefix="/platform")
    app.register_blueprint(schools_bp, url_prefix="/s/<school_slug>")
    app.register_blueprint(audit_bp, url_prefix="/s/<school_slug>/audit")
    app.register_blueprint(roster_import_bp, url_prefix="/s/<school_slug>/roster/import")
    app.register_blueprint(roster_bp, url_prefix="/s/<school_slug>")
    app.register_blueprint(subscriptions_bp, url_prefix="/s/<school_slug>/service")
    app.register_blueprint(payments_bp, url_prefix="/s/<school_slug>/service")
    app.register_blueprint(reports_bp, url_prefix="/s/<school_slug>/service")
    app.register_blueprint(notices_bp, url_prefix="/s/<school_slug>/notices")
    app.register_blueprint(grades_bp, url_prefix="/s/<school_slug>/grades")
    app.register_blueprint(attendance_bp, url_prefix="/s/<school_slug>/attendance")
    app.register_blueprint(data_requests_bp, url_prefix="/s/<school_slug>/data-requests")
    app.register_blueprint(early_warnings_bp, url_prefix="/s/<school_slug>/at-risk")
    app.register_blueprint(daily_notes_bp, url_prefix="/s/<school_slug>/daily-notes")
    app.register_blueprint(leave_requests_bp, url_prefix="/s/<school_slug>/leave-requests")
    app.register_blueprint(attendance_settings_bp, url_prefix="/s/<school_slug>/attendance")
    app.register_blueprint(attendance_exports_bp, url_prefix="/s/<school_slug>/attendance")
    app.register_blueprint(dev_bp, url_prefix="/dev")
    app.register_blueprint(family_bp, url_prefix="/family")
    app.register_blueprint(family_entrances_bp)
    app.register_blueprint(family_child_bp, url_prefix="/family/children")
    app.register_blueprint(family_leave_bp, url_prefix="/family/children")
    app.register_blueprint(family_data_bp, url_prefix="/family/data")
    app.register_blueprint(family_daily_notes_bp, url_prefix="/family/children")
    app.register_blueprint(family_service_bp, url_prefix="/family/children/<int:student_id>/service")
    app.register_blueprint(family_receipts_bp, url_prefix="/family/children/<int:student_id>/service")
    app.register_blueprint(messaging_bp)
    app.register_blueprint(accounts_bp)

    from contactbook.cli import register_commands

    register_commands(app)
    return app
