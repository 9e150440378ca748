"""Fixtures of the roster import tests (the browse and export tests define their own `alpha`)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import World, login
from tests.roster.import_support import YearClasses, make_year
from tests.support import browser


@pytest.fixture
def alpha(world: World) -> YearClasses:
    """School year 2025-2026 of school Alpha, with classes 6A1, 6A2 and 7A1."""
    return make_year(world.a)


@pytest.fixture
def admin(app: Flask, world: World) -> FlaskClient:
    """Alpha's school admin, logged in."""
    client = browser(app)
    assert login(client, "admin", world.a.slug).status_code == 302
    return client
