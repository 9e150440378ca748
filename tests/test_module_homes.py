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


# The subscription services write the outbox (renewal reminders), so the pipeline reads the paid service only
# through `contactbook.subscriptions.eligibility`: importing the services package from messaging is a cycle.
def test_messaging_reads_the_paid_service_without_importing_its_services() -> None:
    services = "contactbook.subscriptions.services"
    reaching_in = [
        f"{path.relative_to(PACKAGE).as_posix()}: {module}"
        for path, tree in _modules()
        if path.relative_to(PACKAGE).as_posix().startswith("messaging/")
        for module, names in _imports(tree)
        if module == services
        or module.startswith(services + ".")
        or (module == "contactbook.subscriptions" and "services" in names)
    ]
    assert reaching_in == []
    eligibility = next(tree for path, tree in _modules() if path == PACKAGE / "subscriptions" / "eligibility.py")
    assert not [m for m, _ in _imports(eligibility) if m.startswith((services, "contactbook.messaging.services"))]


# --- Only services commit ----------------------------------------------------------------------------------
#
# A feature's services are its `services.py`, or the modules of its `services/` package when they outgrew one
# file. They are the only code that ends a unit of work (commit, roll back) and, with the helpers below that
# write into the unit of work of the service calling them, the only code that writes. Views, webhooks, CLI
# commands and tasks are adapters: they call services.

ROOT = PACKAGE.parent
FEATURES_WITHOUT_SERVICES = ("demo", "dev")  # one-machine tools: they go through the features' services
ENDS_A_UNIT_OF_WORK = {"commit", "rollback", "begin_nested"}
WRITES = {"add", "add_all", "delete", "merge", "flush"}
STATEMENTS_THAT_WRITE = {"insert", "update", "delete"}
# Helpers that write into the unit of work of the service that calls them, and the modules they live in.
WRITE_HELPERS = {
    "contactbook.audit.services.record",
    "contactbook.schools.services.new_user",
    "contactbook.roster.import_apply.apply_plan",
    "contactbook.extensions.insert_many",
}
WRITE_HELPER_MODULES = ("contactbook/roster/import_apply.py", "contactbook/extensions.py")
ADAPTERS = ("routes.py", "cli.py", "tasks.py")  # and every `*_routes.py`


def _code() -> list[tuple[str, ast.Module]]:
    """Every module of the app and of the workers, by its path from the repository's root."""
    paths = sorted([*PACKAGE.rglob("*.py"), *(ROOT / "workers").rglob("*.py")])
    return [(path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))) for path in paths]


def is_service_module(path: str) -> bool:
    """`contactbook/<feature>/services.py` or `contactbook/<feature>/services/<module>.py`."""
    parts = path.split("/")
    if parts[0] != "contactbook" or len(parts) < 3 or parts[1] in FEATURES_WITHOUT_SERVICES:
        return False
    return (len(parts) == 3 and parts[2] == "services.py") or (len(parts) == 4 and parts[2] == "services")


def _dotted(node: ast.expr) -> str | None:
    """`db.session.commit` for the expression `db.session.commit`; None for anything but names and attributes."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Each name a module binds by importing, with what it names: `audit` → `contactbook.audit.services`."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.update({alias.asname or alias.name: f"{node.module}.{alias.name}" for alias in node.names})
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
    return names


def _calls(tree: ast.Module) -> list[tuple[int, str]]:
    """Every call of a named function or method, as (line, dotted name as written)."""
    return [
        (node.lineno, name) for node in ast.walk(tree) if isinstance(node, ast.Call) and (name := _dotted(node.func))
    ]


def _helper_calls(tree: ast.Module) -> list[tuple[int, str]]:
    """The calls of `WRITE_HELPERS`, however the module imported them."""
    imported = _imported_names(tree)
    found = []
    for line, name in _calls(tree):
        root, _, rest = name.partition(".")
        if root in imported and ".".join(filter(None, (imported[root], rest))) in WRITE_HELPERS:
            found.append((line, f"{name}()"))
    return found


def _transaction_and_writes(tree: ast.Module) -> list[tuple[int, str]]:
    """The calls that end a unit of work (any `.commit()`, `.rollback()`) or write through the session."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        method, receiver = node.func.attr, _dotted(node.func.value)
        if method in ENDS_A_UNIT_OF_WORK:
            found.append((node.lineno, f"{receiver or '…'}.{method}()"))
        elif receiver == "db.session" and method in WRITES:
            found.append((node.lineno, f"db.session.{method}()"))
        elif receiver == "db.session" and method == "execute" and node.args:
            statement = node.args[0]
            while isinstance(statement, ast.Call) and isinstance(statement.func, ast.Attribute):
                statement = statement.func.value  # insert(Table).values(...).returning(...): back to insert(...)
            if isinstance(statement, ast.Call) and _dotted(statement.func) in STATEMENTS_THAT_WRITE:
                found.append((node.lineno, f"db.session.execute({_dotted(statement.func)}(…))"))
    return found


def test_the_rule_names_the_service_modules_it_means() -> None:
    services = sorted(path for path, _tree in _code() if is_service_module(path))
    assert "contactbook/grading/services/publishing.py" in services and "contactbook/roster/services.py" in services
    assert {"contactbook/messaging/services/delivery.py", "contactbook/messaging/services/outbox.py"} <= set(services)
    assert not [path for path in services if "/demo/" in path or path.endswith(("routes.py", "forms.py"))]


def test_only_services_commit_roll_back_or_write() -> None:
    outside = [
        f"{path}:{line}: {call}"
        for path, tree in _code()
        if not is_service_module(path) and not path.startswith(WRITE_HELPER_MODULES)
        for line, call in _transaction_and_writes(tree)
    ]
    assert outside == []


def test_views_cli_commands_and_tasks_never_end_a_unit_of_work() -> None:
    adapters = [(path, tree) for path, tree in _code() if path.endswith(ADAPTERS) or path.endswith("_routes.py")]
    assert {"contactbook/cli.py", "contactbook/grading/routes.py", "workers/tasks.py"} <= {p for p, _ in adapters}
    committing = [f"{path}:{line}: {call}" for path, tree in adapters for line, call in _transaction_and_writes(tree)]
    assert committing == []


def test_helpers_that_write_into_the_callers_unit_of_work_are_called_by_services_only() -> None:
    callers = [
        f"{path}:{line}: {call}"
        for path, tree in _code()
        if not is_service_module(path) and not path.startswith(WRITE_HELPER_MODULES)
        for line, call in _helper_calls(tree)
    ]
    assert callers == []


def test_the_checks_see_a_commit_a_write_and_a_helper_call() -> None:
    view = ast.parse(
        "from contactbook.audit import services as audit\n"
        "from contactbook.schools.services import new_user\n"
        "def view():\n"
        "    db.session.add(x)\n"
        "    db.session.execute(update(Score).where(y).values(z))\n"
        "    audit.record('a', actor=None, school_id=None)\n"
        "    new_user(school=None)\n"
        "    db.session.commit()\n"
    )
    assert [call for _line, call in _transaction_and_writes(view)] == [
        "db.session.add()",
        "db.session.execute(update(…))",
        "db.session.commit()",
    ]
    assert [call for _line, call in _helper_calls(view)] == ["audit.record()", "new_user()"]
