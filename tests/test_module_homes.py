"""Shared pieces live in their own modules, and production code depends on no demo or test-only code."""

from __future__ import annotations

import ast
from pathlib import Path

import contactbook

PACKAGE = Path(contactbook.__file__).parent


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(PACKAGE.rglob("*.py"))]


def _imports(tree: ast.AST) -> list[tuple[str, list[str]]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
    return found


def test_the_translation_marker_has_one_home() -> None:
    definitions = [
        path.relative_to(PACKAGE).as_posix()
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "N_"
    ]
    assert definitions == ["i18n.py"]
    elsewhere = [
        f"{path.relative_to(PACKAGE)}: from {module}"
        for path, tree in _modules()
        for module, names in _imports(tree)
        if "N_" in names and module != "contactbook.i18n"
    ]
    assert elsewhere == []


# The demo data is for one-machine use: only the demo package itself and the `flask demo` command may load it.
MAY_IMPORT_DEMO = ("demo/", "cli.py")


def test_production_code_never_imports_the_demo_package() -> None:
    imports_of_demo = [
        f"{path.relative_to(PACKAGE).as_posix()}: {module}"
        for path, tree in _modules()
        for module, _names in _imports(tree)
        if (module == "contactbook.demo" or module.startswith("contactbook.demo."))
        and not path.relative_to(PACKAGE).as_posix().startswith(MAY_IMPORT_DEMO)
    ]
    assert imports_of_demo == []


def test_sms_providers_send_only_in_batches_as_delivery_does() -> None:
    from contactbook.messaging.providers.base import SmsProvider
    from contactbook.messaging.providers.console import ConsoleSmsProvider
    from contactbook.messaging.providers.twilio import TwilioSmsProvider

    # Delivery hands SMS over with send_many only; a one-message path would be code kept only for tests.
    assert [hasattr(kind, "send_sms") for kind in (SmsProvider, ConsoleSmsProvider, TwilioSmsProvider)] == [False] * 3
