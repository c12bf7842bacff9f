"""The architecture of model/ (docs: README "Layout", /shared/design/ARCHITECTURE.md), checked on the
source: dependencies point down, no module imports another's private names, no import cycles.

Every module under model/ is parsed with ``ast``; every import counts, at module level or inside
a function, relative or absolute. Layers, lowest first:

    core <- io <- experiments <- viz <- app <- top (cli.py, launch.py, __main__.py, the facade __init__.py)

A module may import its own layer and the layers below, never one above.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MODEL = Path(__file__).resolve().parent.parent / "model"
LAYERS = ("core", "io", "experiments", "viz", "app", "top")
TOP = {"model", "model.cli", "model.__main__", "model.launch"}


def module_name(path: Path, root: Path) -> str:
    parts = ("model", *path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = MODEL) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def layer(module: str) -> str | None:
    """The layer of a module of the package, None if it belongs to none (a module must)."""
    if module in TOP:
        return "top"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS[:-1] else None


class Imports(ast.NodeVisitor):
    """What one module imports from the package: (line, module imported, names taken from it),
    and its uses of private attributes of imported package modules: (line, module, attribute)."""

    def __init__(self, name: str, is_package: bool, known: set[str]):
        self.name, self.known = name, known
        self.package = name if is_package else name.rpartition(".")[0]
        self.edges: list[tuple[int, str, list[str]]] = []
        self.aliases: dict[str, str] = {}  # local name -> package module it is bound to
        self.private_uses: list[tuple[int, str, str]] = []

    def _absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = self.package.split(".")
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.name == "model" or a.name.startswith("model."):
                self.edges.append((node.lineno, a.name, []))
                if a.asname:
                    self.aliases[a.asname] = a.name
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = self._absolute(node)
        if not (source == "model" or source.startswith("model.")):
            return
        plain = []
        for a in node.names:
            sub = f"{source}.{a.name}"
            if sub in self.known:  # `from pkg import module`: an import of that module
                self.edges.append((node.lineno, sub, []))
                self.aliases[a.asname or a.name] = sub
            else:
                plain.append(a.name)
        if plain or not node.names:
            self.edges.append((node.lineno, source, plain))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if (isinstance(node.value, ast.Name) and node.value.id in self.aliases and _private(node.attr)):
            self.private_uses.append((node.lineno, self.aliases[node.value.id], node.attr))
        self.generic_visit(node)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def scan(root: Path = MODEL) -> dict[str, Imports]:
    mods = modules(root)
    known = set(mods)
    out = {}
    for name, path in mods.items():
        v = Imports(name, path.name == "__init__.py", known)
        v.visit(ast.parse(path.read_text(), filename=str(path)))
        out[name] = v
    return out


def unlayered(root: Path = MODEL) -> list[str]:
    return [m for m in modules(root) if layer(m) is None]


def upward_imports(root: Path = MODEL) -> list[str]:
    bad = []
    for name, v in scan(root).items():
        here = layer(name)
        for line, target, _ in v.edges:
            there = layer(target)
            if here and there and LAYERS.index(there) > LAYERS.index(here):
                bad.append(f"{name}:{line} ({here}) imports {target} ({there})")
    return bad


def private_imports(root: Path = MODEL) -> list[str]:
    bad = []
    for name, v in scan(root).items():
        for line, target, names in v.edges:
            if target != name:
                bad += [f"{name}:{line} imports {target}.{n}" for n in names if _private(n)]
        bad += [f"{name}:{line} uses {target}.{attr}" for line, target, attr in v.private_uses if target != name]
    return bad


def cycles(root: Path = MODEL) -> list[list[str]]:
    """Strongly connected components of more than one module (or a module importing itself)."""
    graph = {name: {t for _, t, _ in v.edges if t in v.known} for name, v in scan(root).items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph[v]:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_belongs_to_a_layer():
    assert unlayered() == [], "put each module in core/, io/, experiments/, viz/ or app/ (or it is cli.py)"


def test_dependencies_point_down():
    assert upward_imports() == []


def test_no_import_cycles():
    assert cycles() == []


def test_no_private_names_across_modules():
    assert private_imports() == []


@pytest.mark.parametrize("source, problem", [
    ("from ..io.scenario import load\n", upward_imports),  # core importing io
    ("def f():\n    from ..experiments import sweep\n    return sweep\n", upward_imports),  # function-level
    ("import model.viz.plots\n", upward_imports),  # absolute
    ("from .locality import _Fire\n", private_imports),
    ("from . import locality\nX = locality._Fire\n", private_imports),
    ("from . import survey\n", cycles),  # survey imports lifecycle, which would import survey
])
def test_the_checks_catch_violations(tmp_path, source, problem):
    """A copy of model/ with one violation planted (in core/lifecycle.py) fails the check."""
    import shutil
    root = tmp_path / "model"
    shutil.copytree(MODEL, root, ignore=shutil.ignore_patterns("__pycache__"))
    assert not problem(root)
    target = root / "core" / "lifecycle.py"
    target.write_text(target.read_text() + "\n" + source)
    assert problem(root), f"{problem.__name__} missed: {source!r}"


MAX_CORE_FUNCTION = 60  # lines: a core function should read as one idea (issue 12)


def long_functions(root: Path = MODEL) -> list[str]:
    out = []
    for name, path in modules(root).items():
        if layer(name) != "core":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_CORE_FUNCTION:
                    out.append(f"{name}.{node.name}: {n} lines")
    return out


def test_no_long_functions_in_the_core(tmp_path):
    assert long_functions() == []
    import shutil
    root = tmp_path / "model"
    shutil.copytree(MODEL, root, ignore=shutil.ignore_patterns("__pycache__"))
    target = root / "core" / "lifecycle.py"
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_CORE_FUNCTION))
    target.write_text(target.read_text() + "\n\ndef too_long():\n" + body)
    assert long_functions(root) == ["model.core.lifecycle.too_long: 61 lines"]
