"""The migrations build exactly the schema of the models (checked by Alembic's autogenerate)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import Column, Integer, MetaData, String, inspect

from contactbook.extensions import db
from contactbook.models import Base


def _differences(app: Flask, metadata: MetaData) -> list[Any]:
    """What autogenerate would write to turn the migrated test database into `metadata`."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_migrated_database_has_every_table_of_the_models(app: Flask) -> None:
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrations_match_the_models_exactly(app: Flask) -> None:
    differences = _differences(app, Base.metadata)
    assert differences == [], "models and migrations differ; run `flask db migrate`:\n" + "\n".join(
        map(repr, differences)
    )


def test_comparison_notices_a_changed_type_and_a_missing_column(app: Flask) -> None:
    """The check above is live: the same comparison reports drift when the models change."""
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(drifted)
    users = drifted.tables["users"]
    users.c.username.type = String(80)
    users.append_column(Column("nickname", Integer, nullable=True))

    kinds = {diff[0] if isinstance(diff, tuple) else diff[0][0] for diff in _differences(app, drifted)}
    assert kinds == {"add_column", "modify_type"}
