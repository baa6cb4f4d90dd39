"""The package's architecture, checked by reading its source with `ast` (docs/ARCHITECTURE.md in README terms).

Layers are folders and imports run one way: `engine` and `sessions` stand alone (on `config` and `errors`),
`web` and `ops` use them, `service` assembles a running server, `__main__` is the command line. Any import of a
project module counts — at module level or inside a function — so an import placed in a function cannot hide
a circle. Only the command line may import inside functions (each command loads its own modules when it runs).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mygallery"
MAX_LINES = 450

# Which top-level parts of the package each part may import (besides itself and the package's __init__).
ALLOWED = {
    "errors": set(),
    "periodic": set(),  # a background chore's thread: used by every layer, uses nothing of the project
    "config": {"errors"},
    "engine": {"config", "errors", "periodic"},
    "sessions": {"config", "errors", "periodic"},
    "web": {"config", "errors", "periodic", "engine", "sessions"},
    "ops": {"config", "errors", "periodic", "engine", "sessions"},
    "service": {"config", "errors", "periodic", "engine", "sessions", "web"},
    "__main__": {"config", "errors", "periodic", "engine", "sessions", "web", "ops", "service"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, modules: dict[str, Path], name: str = "") -> list[tuple[str, bool, int]]:
    """(imported project module, inside a function?, line) for every import of a project module in `path`,
    read as the module `name` (by default the one `path` is)."""
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool, int]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "mygallery":
                        found.append((alias.name, nested, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base_parts = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join(base_parts + ([child.module] if child.module else []))
                else:
                    base = child.module or ""
                if base.split(".")[0] != "mygallery":
                    continue
                for alias in child.names:
                    target = f"{base}.{alias.name}"
                    found.append((target if target in modules else base, nested, child.lineno))
            visit(child, nested)

    visit(tree, False)
    return found


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: {target for target, _, _ in imports_of(path, modules) if target != name}
            for name, path in modules.items()}


def test_no_import_circles(graph: dict[str, set[str]]) -> None:
    # Tarjan's strongly connected components: any component of two or more modules is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    assert circles == []


def test_imports_follow_the_layers(graph: dict[str, set[str]]) -> None:
    wrong = []
    for module, targets in graph.items():
        part = part_of(module)
        allowed = ALLOWED.get(part, set())
        for target in targets:
            other = part_of(target)
            if other not in (part, "__init__") and other not in allowed:
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_no_project_import_inside_a_function() -> None:
    modules = all_modules()
    hidden = [f"{module_name(path)}:{line} imports {target}"
              for path in modules.values() if path.name != "__main__.py"
              for target, nested, line in imports_of(path, modules) if nested]
    assert hidden == []


def test_modules_stay_small_and_layers_are_folders() -> None:
    long = {module_name(p): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}
    subpackages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert {"engine", "sessions", "web", "ops"} <= subpackages


def test_the_checker_sees_an_import_hidden_in_a_function(tmp_path: Path) -> None:
    """The guard itself: an import inside a function is found and resolved like any other."""
    source = tmp_path / "probe.py"
    source.write_text("from . import config\n\ndef later():\n    from .engine import index\n    return index\n")
    found = imports_of(source, all_modules(), "mygallery.probe")
    assert found == [("mygallery.config", False, 1), ("mygallery.engine.index", True, 4)]
