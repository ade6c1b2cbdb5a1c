"""Screens reach services through one typed object from the composition root
(``kiosk.app_factory.UiContext``) and the running App only through its typed face
(``kiosk.ui.shell.Shell``): read from the source (AST for Python, the ``app.``
names of the kv rules), so a screen that grabs an untyped App attribute or a
service outside the context fails here, whichever screen it is."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest
from kivy.event import EventDispatcher

from kiosk.app_factory import Services, UiContext

UI = Path(__file__).resolve().parents[2] / "kiosk" / "ui"
SHELL_SIDE = {"app.py", "hardware_link.py", "shell.py"}  # the App itself and what it builds for itself


def screen_modules() -> list[Path]:
    return sorted(p for p in UI.glob("*.py") if p.name not in SHELL_SIDE)


def context_names() -> set[str]:
    return {f.name for f in dataclasses.fields(UiContext)} | {
        name for name, value in vars(UiContext).items() if isinstance(value, property)}


def shell_names() -> set[str]:
    tree = ast.parse((UI / "shell.py").read_text(encoding="utf-8"))
    shell = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Shell")
    names = set()
    for node in shell.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return names


def _is_app(node: ast.expr) -> bool:
    """``app``, ``self.app``, ``x.app``, ``running_shell()``."""
    if isinstance(node, ast.Name):
        return node.id == "app"
    if isinstance(node, ast.Attribute):
        return node.attr == "app"
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "running_shell"


def _is_context(node: ast.expr) -> bool:
    """``self.services``, ``screen.services``, ``app.context``, ``ui_context()``, a local ``services``."""
    if isinstance(node, ast.Name):
        return node.id in ("services", "context")
    if isinstance(node, ast.Attribute):
        return node.attr in ("services", "context")
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "ui_context"


def uses(path: Path) -> tuple[set[str], set[str], list[str]]:
    """(App attributes used, context attributes used, forbidden spots) in one module."""
    app_attrs, context_attrs, bad = set(), set(), []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Attribute):
            continue
        where = f"{path.name}:{node.lineno}"
        if node.attr == "get_running_app":
            bad.append(f"{where}: App.get_running_app() (use running_shell() / self.app: Shell)")
        if _is_app(node.value):
            app_attrs.add(node.attr)
            if node.attr == "services":
                bad.append(f"{where}: app.services (the whole application; screens use self.services: UiContext)")
        if _is_context(node.value):
            context_attrs.add(node.attr)
    return app_attrs, context_attrs, bad


def kv_app_names() -> dict[str, set[str]]:
    return {p.name: set(re.findall(r"\bapp\.([A-Za-z_]\w*)", p.read_text(encoding="utf-8"))) for p in UI.glob("*.kv")}


def test_screens_use_services_only_through_the_context() -> None:
    allowed = context_names()
    used: dict[str, set[str]] = {}
    bad: list[str] = []
    for path in screen_modules():
        _app, context, spots = uses(path)
        used[path.name] = context - allowed
        bad += [s for s in spots if "services" in s]
    assert {name: names for name, names in used.items() if names} == {}
    assert bad == []
    assert sum(len(uses(p)[1]) for p in screen_modules()) > 10  # the walk does find the screens' service calls


def test_screens_reach_the_app_only_through_the_shell() -> None:
    allowed = shell_names()
    outside: dict[str, set[str]] = {}
    bad: list[str] = []
    for path in screen_modules():
        app, _context, spots = uses(path)
        outside[path.name] = app - allowed
        bad += [s for s in spots if "get_running_app" in s]
    for name, names in kv_app_names().items():
        outside[name] = names - allowed
    assert {name: names for name, names in outside.items() if names} == {}
    assert bad == []


def test_the_shell_names_only_what_the_screens_use() -> None:
    used = set().union(*(uses(p)[0] for p in screen_modules()), *kv_app_names().values())
    assert shell_names() - used == set()


def test_the_app_has_all_the_shell_names() -> None:
    tree = ast.parse((UI / "app.py").read_text(encoding="utf-8"))
    app = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "KioskApp")
    has = set()
    for node in ast.walk(app):
        if isinstance(node, ast.FunctionDef):
            has.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    has.add(t.id)
                elif isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                    has.add(t.attr)
    missing = {name for name in shell_names() - has if not hasattr(EventDispatcher, name)}
    assert len(shell_names()) > 30
    assert missing == set()


def test_the_check_catches_an_untyped_app_attribute(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from kivy.app import App\n"
                   "class X:\n"
                   "    def f(self):\n"
                   "        self.app.services.db.dispose()\n"
                   "        self.services.carts.stop()\n"
                   "        App.get_running_app().wedge.stop()\n")
    app, context, spots = uses(bad)
    assert "services" in app and "carts" in context and "db" in context
    assert not {"carts", "db"} <= context_names()
    assert any("get_running_app" in s for s in spots) and any("app.services" in s for s in spots)


def test_the_context_leaves_the_database_out() -> None:
    names = context_names()
    assert {"db", "carts", "migration", "receipts"}.isdisjoint(names)
    assert names - {"state_dir"} <= {f.name for f in dataclasses.fields(Services)}
    ctx = UiContext.__dataclass_params__
    assert ctx.frozen


def test_the_running_app_hands_the_screens_its_context(ui) -> None:  # noqa: ANN001
    app = ui.app
    screen = app.screen("sell")
    assert isinstance(screen.services, UiContext)
    assert screen.services.counter is app.services.counter
    with pytest.raises(dataclasses.FrozenInstanceError):
        screen.services.counter = None  # type: ignore[misc]
