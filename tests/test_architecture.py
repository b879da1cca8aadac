"""The layout keeps its promises (README, „Architecture“): no import cycles among our modules, the core
imports no instrument, views are imported in one place, macros import no macro and no view.

The graph is read from the source (every ``import``, also inside functions; ``if TYPE_CHECKING:`` blocks
are left out – they do not run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# the four instruments and the portal (start page, news), each a package of domain modules and views
DOMAIN_PACKAGES = ("toolbox", "partners", "calendars", "discussions", "portal", "notifications")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def our_modules() -> dict[str, Path]:
    files = [*(REPO / "moin_gaa").rglob("*.py"), *(REPO / "macros").glob("*.py")]
    return {module_name(f): f for f in files if "__pycache__" not in f.parts}


def runtime_nodes(tree: ast.AST):
    """Every node except those under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        yield node
        yield from runtime_nodes(node)


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ours that ``name`` imports (``from pkg import module`` counts as the module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = our_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, ()):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def is_view(module: str) -> bool:
    leaf = module.rpartition(".")[2]
    return module.startswith("moin_gaa.") and (leaf == "views" or leaf.endswith("_views"))


def is_macro(module: str) -> bool:
    return module.startswith("macros.") and not module.rpartition(".")[2].startswith("_")


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_of_every_kind(graph):
    """The reader is not blind: absolute, relative, in-function and ``from package import module`` imports."""
    assert "moin_gaa.web.routes" in graph["moin_gaa.web.factory"]
    assert "moin_gaa.calendars.views" in graph["moin_gaa.web.routes"]  # from moin_gaa.calendars import views
    assert "macros._html" in graph["macros.ToolBox"]  # from ._html import …
    assert len(graph) > 60


def test_no_import_cycles(graph):
    assert cycles(graph) == []


def test_the_app_state_is_a_leaf(graph):
    assert graph["moin_gaa.core.app_state"] == set()


def test_the_core_imports_no_instrument_and_no_web_layer(graph):
    outside = {
        (module, target)
        for module, targets in graph.items()
        if module.startswith("moin_gaa.core.")
        for target in targets
        if not target.startswith("moin_gaa.core")
    }
    assert outside == set()


def test_view_modules_are_imported_in_one_place(graph):
    importers = {
        (module, target) for module, targets in graph.items() for target in targets if is_view(target)
    }
    assert {module for module, _ in importers} <= {"moin_gaa.web.routes"}, importers
    views = {module for module in graph if is_view(module)}
    assert views == {target for _, target in importers}, "every view module is registered through web/routes.py"


def test_only_the_cli_imports_the_app_factory(graph):
    assert {module for module, targets in graph.items() if "moin_gaa.web.factory" in targets} == {"moin_gaa.cli"}


def test_domain_modules_import_no_web_layer(graph):
    """Domain modules of the instruments and the portal (not views) and the seeding use the core and each other,
    never the web layer."""
    domain = [m for m in graph if m.split(".")[1:2] and m.split(".")[1] in DOMAIN_PACKAGES and not is_view(m)]
    assert {m.split(".")[1] for m in domain} >= set(DOMAIN_PACKAGES), "a package has no domain module: renamed?"
    domain.append("moin_gaa.seeding")
    assert {(m, t) for m in domain for t in graph[m] if t.startswith("moin_gaa.web")} == set()


def test_macros_import_no_macro_no_view_and_no_factory(graph):
    bad = {
        (module, target)
        for module, targets in graph.items()
        if module.startswith("macros.")
        for target in targets
        if is_macro(target) or is_view(target) or target in ("moin_gaa.web.factory", "moin_gaa.web.routes")
    }
    assert bad == set()
