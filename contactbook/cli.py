"""`flask` commands: thin calls into services."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from contactbook.audit import services as audit
from contactbook.auth.services import PasswordPolicyError
from contactbook.demo.services import DEMO_PASSWORD, DemoLogin, demo_logins, seed
from contactbook.extensions import db
from contactbook.schools.services import DelegationError, new_user

demo_cli = AppGroup("demo", help="Demo data for one-machine use.")
accounts_cli = AppGroup("accounts", help="Platform accounts.")


@demo_cli.command("seed")
def demo_seed() -> None:
    """Create the demo authority, schools and staff (idempotent) and print the logins."""
    _print_logins(seed())


@demo_cli.command("logins")
def demo_logins_command() -> None:
    """Print the demo logins without touching the database."""
    _print_logins(demo_logins())


def _print_logins(logins: list[DemoLogin]) -> None:
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for login in logins:
        click.echo(f"  {login.where:<28} {login.username:<12} {login.role}")


@accounts_cli.command("create-operator")
@click.argument("username")
@click.option("--full-name", required=True)
@click.password_option()
def create_operator(username: str, full_name: str, password: str) -> None:
    """Create a platform operator account (the first one is made this way in production)."""
    try:
        user = new_user(
            school=None, username=username, full_name=full_name, password=password, is_platform_operator=True
        )
    except (PasswordPolicyError, DelegationError) as exc:
        raise click.ClickException(str(exc)) from exc
    audit.record("operator.created", actor=None, school_id=None, target=user, via="cli")
    db.session.commit()
    click.echo(f"Operator {username} created.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(accounts_cli)
