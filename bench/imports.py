"""The shape of ``grader/``'s imports: modules per package, the longest import chain, the import
cycles, and the imports that sit inside functions.

Not a benchmark of speed: a measure of the code's layout, printed so that a change to the package
structure can be compared before and after (``python bench/imports.py``). The graph comes from
grimp (the library behind import-linter), so it counts what import-linter checks.
"""
from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "grader"


def _graph() -> dict[str, set[str]]:
    """module -> the grader modules it imports (at any depth in the file, as grimp sees them)."""
    graph = grimp.build_graph(PACKAGE)
    modules = {m for m in graph.modules if m.startswith(PACKAGE)}
    return {m: {d for d in graph.find_modules_directly_imported_by(m) if d in modules} for m in modules}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _longest_chain(graph: dict[str, set[str]]) -> list[str]:
    """The longest chain of imports without repeating a module (a cycle counts once)."""
    best: dict[str, list[str]] = {}

    def chain(node: str, seen: frozenset[str]) -> list[str]:
        if node in best and not (set(best[node]) & seen):
            return best[node]
        longest = [node]
        for nxt in graph[node]:
            if nxt not in seen:
                candidate = [node, *chain(nxt, seen | {nxt})]
                if len(candidate) > len(longest):
                    longest = candidate
        best[node] = longest
        return longest

    return max((chain(m, frozenset({m})) for m in sorted(graph)), key=len)


def _imports_in_functions() -> list[tuple[str, int, str]]:
    """(file, line, imported module) for every import statement inside a function body."""
    found = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    found += [(str(path.relative_to(ROOT)), node.lineno, a.name) for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    name = "." * node.level + (node.module or "")
                    found.append((str(path.relative_to(ROOT)), node.lineno, name))
    return found


def _package(module: str, graph: dict[str, set[str]]) -> str:
    """The package a module belongs to: itself for a package (its ``__init__``), else its parent."""
    if any(other.startswith(module + ".") for other in graph):
        return module
    return module.rsplit(".", 1)[0]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    graph = _graph()
    packages = Counter(_package(m, graph) for m in graph)
    print(f"modules: {len(graph)}; import arrows between them: {sum(len(v) for v in graph.values())}")
    for package, count in sorted(packages.items()):
        print(f"  {package}: {count}")
    chain = _longest_chain(graph)
    print(f"longest import chain: {len(chain)} modules: {' -> '.join(chain)}")
    cycles = _cycles(graph)
    print(f"import cycles (groups of modules that import each other): {len(cycles)}")
    for group in cycles:
        print("  " + ", ".join(group))
    inside = _imports_in_functions()
    own = [i for i in inside if i[2].startswith((".", PACKAGE))]
    print(f"imports inside functions: {len(inside)} ({len(own)} of grader modules)")
    for file, line, name in inside:
        print(f"  {file}:{line} {name}")


if __name__ == "__main__":
    main()
