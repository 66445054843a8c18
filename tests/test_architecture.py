"""The import rules of docs/architecture.md, read from the source with ``ast``: no import cycle
between the project's modules, and no stage importing a later one (data → model → train →
inference → eval; ``govreport.cli``, the dispatcher, sits on top), and every import of a stage
through the one import name, ``govreport``. Imports inside functions count: a cycle that is only
deferred is still a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("data", "model", "train", "inference", "eval")
TOP = "govreport"


def module_name(path: Path) -> str:
    """The name a module is imported by: ``data/schema.py`` is ``govreport.data.schema``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts if parts[0] == TOP else [TOP, *parts])


def project_modules() -> dict[str, Path]:
    """Every module of the five stages, and of the package on top (the dispatcher)."""
    modules = {}
    for folder in (TOP, *STAGES):
        for path in sorted((ROOT / folder).rglob("*.py")):
            modules[module_name(path)] = path
    return modules


def imports(path: Path, modules: dict[str, Path]) -> list[tuple[str, int]]:
    """``(project module, line)`` of every import in ``path``, at any depth of the code."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from inference import cli`` imports the module inference.cli; ``from inference
            # import Extractor`` the package.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # ``import inference.tables.grid as g`` → the module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.append((target, node.lineno))
    return found


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported project module: the line of its first import}."""
    modules = project_modules()
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges: dict[str, int] = {}
        for target, line in imports(path, modules):
            edges.setdefault(target, line)
        graph[name] = edges
    return graph


def stage(module: str) -> int:
    """The place of a module's stage in the pipeline; the dispatcher comes after all of them."""
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else len(STAGES)


def where(graph: dict[str, dict[str, int]], module: str, target: str) -> str:
    path = project_modules()[module].relative_to(ROOT)
    return f"{path}:{graph[module][target]} imports {target}"


def find_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle for each strongly connected group of modules (Tarjan), as a closed path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_path_through(graph, sorted(group)) for group in groups]


def _path_through(graph: dict[str, dict[str, int]], group: list[str]) -> list[str]:
    """A cycle inside ``group`` from its first module back to it (breadth first, so a short one)."""
    start, members = group[0], set(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node]):
                if nxt not in members or nxt in came_from:
                    continue
                came_from[nxt] = node
                if nxt == start:
                    path = [start]
                    while path[-1] != start or len(path) == 1:
                        path.append(came_from[path[-1]])
                    return path[::-1]
                following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle through {group}")


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "govreport.inference.extract" in graph["govreport.inference.doccano_cli"]  # imported inside _export
    assert "govreport.inference.reader" in graph["govreport.eval.tables"]  # imported inside read_raw


def test_find_cycles_names_the_imports_of_a_cycle():
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]


def test_no_import_cycle_between_project_modules():
    graph = import_graph()
    cycles = [" → ".join(cycle) + "\n    " + "\n    ".join(where(graph, a, b) for a, b in zip(cycle, cycle[1:]))
              for cycle in find_cycles(graph)]
    assert not cycles, "import cycles:\n  " + "\n  ".join(cycles)


def test_no_stage_imports_a_later_stage():
    graph = import_graph()
    wrong = [where(graph, module, target) for module, edges in sorted(graph.items()) for target in edges
             if stage(target) > stage(module)]
    assert not wrong, f"a stage imports a later one ({' → '.join(STAGES)}):\n  " + "\n  ".join(wrong)


def test_stages_are_imported_only_through_govreport():
    """``import data.schema`` would work in a checkout (its root is on sys.path) and fail once
    installed, where only ``govreport`` exists: no project file, tests included, writes it."""
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        if {".git", ".venv", "out", "build"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            wrong += [f"{path.relative_to(ROOT)}:{node.lineno} imports {n}" for n in names if n.split(".")[0] in STAGES]
    assert not wrong, "import the stages as govreport.<stage>:\n  " + "\n  ".join(wrong)
