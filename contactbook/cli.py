"""`flask` commands: thin calls into services.

Each command says whose rows it works on (row-level security on PostgreSQL): the platform's, or one school's.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from contactbook.auth.labels import account_label
from contactbook.auth.services import PasswordPolicyError
from contactbook.demo.families import DEMO_FAMILIES
from contactbook.demo.seed import DEMO_PASSWORD, DemoLogin, demo_logins, seed
from contactbook.extensions import db
from contactbook.models import School, SchoolYear
from contactbook.platform import services as platform
from contactbook.roster import services as roster
from contactbook.roster.imports import ImportPlan, RosterHeaderError
from contactbook.roster.reading import RosterFileError, read_roster
from contactbook.schools.services import DelegationError
from contactbook.tenancy import platform_scope, school_scope

demo_cli = AppGroup("demo", help="Demo data for one-machine use.")
roster_cli = AppGroup("roster", help="Rosters from the sector database's exports.")
accounts_cli = AppGroup("accounts", help="Platform accounts.")


@demo_cli.command("seed")
def demo_seed() -> None:
    """Create the demo authority, schools and staff (idempotent) and print the logins."""
    with platform_scope():  # the seed works on each school under its own scope
        logins = seed()
    _print_logins(logins)


@demo_cli.command("logins")
def demo_logins_command() -> None:
    """Print the demo logins without touching the database."""
    _print_logins(demo_logins())


def _print_logins(logins: list[DemoLogin]) -> None:
    """The logins with each role's Vietnamese name, as the pages name it."""
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    with force_locale("vi"):
        for login in logins:
            click.echo(f"  {login.where:<28} {login.username:<12} {account_label(login.role)}")
    click.echo("")
    first = DEMO_FAMILIES[0]
    click.echo(f"Families' portal: /family/sign-in, try the number {first.shown_phone}.")
    click.echo("  The SMS code (or email link) arrives on /dev/outbox: open that page in a private window, logged")
    click.echo("  in with a demo login above (a staff login in the same window ends the family's session).")
    for family in DEMO_FAMILIES:
        where = "children in both demo schools" if len(family.slugs) > 1 else f"a child at {family.slugs[0]}"
        email = f"; or {family.email} by email" if family.email else ""
        click.echo(f"  {family.shown_phone:<14} {family.mother}: {where}{email}")


@accounts_cli.command("create-operator")
@click.argument("username")
@click.option("--full-name", required=True)
@click.password_option()
def create_operator(username: str, full_name: str, password: str) -> None:
    """Create a platform operator account (the first one is made this way in production)."""
    with platform_scope():
        try:
            platform.create_operator(username=username, full_name=full_name, password=password, via="cli")
        except (PasswordPolicyError, DelegationError) as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Operator {username} created.")


@roster_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school", "slug", required=True, help="The school's slug, e.g. thcs-nguyen-du.")
@click.option("--year", "year_name", help="The school year, e.g. 2025-2026 (default: the current one).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option(
    "--allow-many-left",
    is_flag=True,
    help="Confirm that the students missing from the file left, also when a class loses many (over 5 or a fifth).",
)
def roster_import(file: Path, slug: str, year_name: str | None, dry_run: bool, allow_many_left: bool) -> None:
    """Import a roster (.xlsx, .xls or .csv) with the same rules as the web page."""
    with platform_scope():
        school = db.session.scalar(select(School).where(School.slug == slug))
    if school is None:
        raise click.ClickException(f"No school with the slug {slug!r}.")
    with school_scope(school.id):
        _import_roster(school, file, year_name, dry_run, allow_many_left)


def _import_roster(school: School, file: Path, year_name: str | None, dry_run: bool, allow_many_left: bool) -> None:
    query = select(SchoolYear).where(SchoolYear.school_id == school.id, SchoolYear.name == year_name)
    year = db.session.scalar(query) if year_name else roster.current_year(school)
    if year is None:
        raise click.ClickException("No such school year: create it (and its classes) first.")
    content = file.read_bytes()
    try:
        sheet = read_roster(file.name, content)
        with click.progressbar(length=len(sheet.rows), label=f"Checking {len(sheet.rows)} rows") as bar:
            plan = roster.import_sheet(
                school, year, sheet, dry_run=dry_run, allow_many_left=allow_many_left, progress=bar.update
            )
    except roster.ImportRefused as exc:
        _print_row_errors(exc.plan)
        if exc.classes:
            raise click.ClickException(
                f"Refused: this import would mark many students of {', '.join(exc.classes)} as having left their "
                "class; nothing was written. Run it again with --allow-many-left if they have left."
            ) from exc
        raise click.ClickException(str(exc)) from exc
    except RosterHeaderError as exc:
        raise click.ClickException("Missing required columns: " + ", ".join(exc.missing)) from exc
    except RosterFileError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_row_errors(plan)
    for warning in plan.warnings:
        click.echo(
            f"Warning: {warning.class_name}: {warning.leaving} of its {warning.active} students "
            f"{'would be' if dry_run else 'were'} marked as left.",
            err=True,
        )
    summary = plan.summary()
    verb = "Would import" if dry_run else "Imported"
    click.echo(
        f"{verb} into {school.slug} {year.name}: {summary['created']} created, {summary['updated']} updated, "
        f"{summary['unchanged']} unchanged, {summary['left']} marked as left, "
        f"{summary['guardians_created']} new guardians; {len(summary['skipped_lines'])} rows skipped."
    )


def _print_row_errors(plan: ImportPlan) -> None:
    for error in plan.errors:
        reason = error.reason % error.params if error.params else error.reason
        click.echo(f"line {error.line}, column {error.column!r}, value {error.value!r}: {reason}", err=True)


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(roster_cli)
    app.cli.add_command(accounts_cli)
