"""Families of the derivation forest and the layout of each, computed in Python.

A family is a connected tree of derivations (documents and missing sources).
Each is drawn on its own, left to right: the root in the first column, depth
gives the column, leaves of the tree take consecutive rows and a parent sits
level with the middle of its children.  Two nodes of one column always lie in
disjoint row ranges, so no two boxes overlap; an edge's label sits in the gap
just left of its child's box, on the child's own row, so no two labels
overlap either.  Documents with no derivation form no family.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

NODE_W = 230
NODE_H = 68
GAP_X = 150  # between columns: the edge labels live here
GAP_Y = 14  # between rows
MARGIN = 16
LABEL_W = GAP_X - 24  # widest an edge label may be drawn (the script trims longer ones)
ROW = NODE_H + GAP_Y
COLUMN = NODE_W + GAP_X


@dataclass(frozen=True)
class Family:
    root: str
    members: tuple[str, ...]  # in drawing order (depth first from the root)
    xy: tuple[tuple[float, float], ...]  # top-left corner of each member's box
    width: float
    height: float
    depth: int  # edges on the longest path from the root


def families(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[Family]:
    """Every family of the forest given as ``(parent, child)`` edges, largest first
    (then by root id), each laid out on its own."""
    children: dict[str, list[str]] = {}
    has_parent: set[str] = set()
    for parent, child in edges:
        children.setdefault(parent, []).append(child)
        has_parent.add(child)
    size: dict[str, int] = {}

    def count(n: str) -> int:  # iterative: a chain of a thousand copies must not hit the recursion limit
        stack = [(n, False)]
        while stack:
            x, done = stack.pop()
            if done:
                size[x] = 1 + sum(size[c] for c in children.get(x, ()))
            elif x not in size:
                stack.append((x, True))
                stack.extend((c, False) for c in children.get(x, ()))
        return size[n]

    roots = sorted({n for n in nodes if n not in has_parent and n in children})
    for r in roots:
        count(r)
    for kids in children.values():
        kids.sort(key=lambda c: (-size[c], c))
    out = [_place(r, children) for r in roots]
    out.sort(key=lambda f: (-len(f.members), f.root))
    return out


def _place(root: str, children: dict[str, list[str]]) -> Family:
    order: list[str] = []
    depth_of: dict[str, int] = {}
    row_of: dict[str, float] = {}
    leaves = 0
    # post-order without recursion: a node's row is known once its children's are
    stack: list[tuple[str, int, bool]] = [(root, 0, False)]
    while stack:
        n, depth, done = stack.pop()
        kids = children.get(n, [])
        if done:
            row_of[n] = (row_of[kids[0]] + row_of[kids[-1]]) / 2
            continue
        order.append(n)
        depth_of[n] = depth
        if kids:
            stack.append((n, depth, True))
            stack.extend((c, depth + 1, False) for c in reversed(kids))
        else:
            row_of[n] = float(leaves)
            leaves += 1
    deepest = max(depth_of.values())
    xy = tuple((MARGIN + depth_of[n] * COLUMN, MARGIN + row_of[n] * ROW) for n in order)
    width = 2 * MARGIN + deepest * COLUMN + NODE_W
    height = 2 * MARGIN + (leaves - 1) * ROW + NODE_H
    return Family(root, tuple(order), xy, float(width), float(height), deepest)


def label_box(x: float, y: float) -> tuple[float, float, float, float]:
    """Where the label of the edge into the node at ``(x, y)`` may be drawn:
    (left, top, right, bottom), inside the gap before the node's column."""
    return (x - 8 - LABEL_W, y + NODE_H / 2 - 18, x - 8, y + NODE_H / 2 - 2)
