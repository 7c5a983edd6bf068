"""The shape of the house, in figures: import circles, the largest modules, and the modules a vote
passes through (docs/architecture.md).

    .venv/bin/python benchmarks/house.py

Import circles are the strongly connected components of the import graph (grimp, the library
under import-linter) of the production packages; a circle inside one app is the services-to-tasks
dispatch on commit, the one loop the house allows. Module sizes count lines, migrations left out.
"""
from __future__ import annotations

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "config", "contest", "arena", "voting", "expert", "console", "devservers")
LIMIT = 400


def circles(graph) -> list[list[str]]:
    """Return every import circle of two or more modules (Tarjan's algorithm, iterative)."""
    modules = sorted(m for m in graph.modules if ".migrations" not in m)
    known = set(modules)
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & known)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & known))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def main() -> int:
    sys.path.insert(0, str(ROOT))
    packages = [package for package in PACKAGES if (ROOT / package / "__init__.py").exists()]
    graph = grimp.build_graph(*packages)
    found = circles(graph)
    across = [c for c in found if len({m.split(".")[0] for m in c}) > 1]
    print(f"import circles: {len(found)}, across apps: {len(across)}")
    for circle in found:
        print(f"  {len(circle)} modules: {' ↔ '.join(circle)}")
    sizes = sorted(
        ((sum(1 for _ in path.open(encoding="utf-8")), str(path.relative_to(ROOT)))
         for package in packages for path in (ROOT / package).rglob("*.py")
         if "migrations" not in path.parts),
        reverse=True,
    )
    print(f"modules over {LIMIT} lines: {sum(1 for lines, _ in sizes if lines > LIMIT)}")
    for lines, name in sizes[:5]:
        print(f"  {lines:5d}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
