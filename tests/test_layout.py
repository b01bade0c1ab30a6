"""The package's layout keeps to its architecture: a stage imports only the stages before it,
and no modules import each other in a circle.

``STAGES`` is the data-flow order of docs/architecture.md; a new top-level module or subpackage
must be placed in it (the test says so), which is where its place in the architecture is
decided.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "storyweave"

#: Top-level modules and subpackages of storyweave/, in data-flow order.
STAGES = ["model", "errors", "runtime", "ingest", "clean", "analyze", "align", "salience",
          "summarizers", "verify",
          "llm", "crosscheck",
          "pipeline", "report", "batch", "evaluate", "dedup", "cluster", "lease", "store",
          "stream", "desk", "feeds", "web", "cli"]
SHELLS = {"__init__", "__main__"}  # the package's own entry points may import anything


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """storyweave modules this file imports, anywhere in it (lazy imports count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    is_pkg = path.name == "__init__.py"
    here = module_name(path).split(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("storyweave"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if is_pkg else here[:-1]
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.startswith("storyweave"):
                found.add(mod)
                found.update(f"{mod}.{a.name}" for a in node.names)
    return found


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def stage_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_stage_is_placed_in_the_data_flow():
    stages = {stage_of(m) for m in all_modules()} - SHELLS
    unplaced = stages - set(STAGES)
    assert not unplaced, f"place {sorted(unplaced)} in STAGES (data-flow order)"


def test_stages_import_only_earlier_stages():
    modules = all_modules()
    rank = {s: i for i, s in enumerate(STAGES)}
    wrong = []
    for name, path in modules.items():
        stage = stage_of(name)
        if stage in SHELLS or stage not in rank:
            continue  # (an unplaced stage fails the test above)
        for target in imports(path):
            t = stage_of(target)
            if t in rank and rank[t] > rank[stage]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "later stages imported: " + "; ".join(sorted(wrong))


def test_no_import_cycles():
    modules = all_modules()
    graph = {name: {t for t in imports(path) if t in modules and t != name}
             for name, path in modules.items()}
    # a package's __init__ re-exporting its modules is not a cycle with them
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles: " + "; ".join(cycles)


def test_no_module_of_the_clusterer_grows_past_its_job():
    sizes = {p.name: len(p.read_text().splitlines()) for p in (PACKAGE / "cluster").glob("*.py")}
    assert max(sizes.values()) <= 380, sizes
