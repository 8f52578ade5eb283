"""A tidy layout of the derivation forest, computed in Python (no Graphviz).

Leaves of each tree take consecutive columns, a parent is centred over its
children, depth gives the row.  Families sit side by side, largest first;
documents with no derivation at all go in a compact grid below them.
"""

from __future__ import annotations

from dataclasses import dataclass

NODE_W = 180
NODE_H = 46
GAP_X = 18
GAP_Y = 60
GRID_COLS = 8


@dataclass(frozen=True)
class Placed:
    id: str
    x: float  # centre
    y: float  # top
    depth: int
    latent: bool


def layout(nodes: list[str], edges: list[tuple[str, str]], latent: set[str]) -> tuple[list[Placed], float, float]:
    """Positions of every node, and the drawing's width and height."""
    children: dict[str, list[str]] = {}
    has_parent = set()
    for parent, child in edges:
        children.setdefault(parent, []).append(child)
        has_parent.add(child)
    for kids in children.values():
        kids.sort()
    roots = [n for n in nodes if n not in has_parent]
    trees = [r for r in roots if r in children]
    alone = [r for r in roots if r not in children]

    def size(n: str) -> int:
        return sum(size(c) for c in children.get(n, [])) or 1

    trees.sort(key=lambda r: (-size(r), r))
    placed: list[Placed] = []
    column = 0.0
    max_depth = 0
    step = NODE_W + GAP_X

    def place(n: str, depth: int) -> float:
        nonlocal column, max_depth
        max_depth = max(max_depth, depth)
        kids = children.get(n, [])
        if kids:
            xs = [place(c, depth + 1) for c in kids]
            x = (xs[0] + xs[-1]) / 2
        else:
            x = column * step + NODE_W / 2 + GAP_X
            column += 1
        placed.append(Placed(n, x, depth * (NODE_H + GAP_Y) + GAP_X, depth, n in latent))
        return x

    for r in trees:
        place(r, 0)
    width = max(column * step + GAP_X, GRID_COLS * step + GAP_X)
    top = (max_depth + 1) * (NODE_H + GAP_Y) + GAP_X if trees else GAP_X
    for i, n in enumerate(sorted(alone)):
        row, col = divmod(i, GRID_COLS)
        placed.append(Placed(n, col * step + NODE_W / 2 + GAP_X, top + row * (NODE_H + GAP_X), -1, n in latent))
    rows = (len(alone) + GRID_COLS - 1) // GRID_COLS
    height = top + rows * (NODE_H + GAP_X) + GAP_X
    placed.sort(key=lambda p: p.id)
    return placed, width, height
