"""Directed graphs and the few algorithms lint, render and compile run on them.

A small stand-in for the part of networkx this package used: importing
networkx costs ~180 ms, more than linting a whole folder of playbooks, and
only a handful of its algorithms were ever called. Two classes keep the
networkx spelling the callers were written against (`g.nodes[n]`,
`g.nodes(data=True)`, `g.edges(data=True)`, `g.out_edges(n, data=True)`,
`successors`, `predecessors`, ...), so the code reads the same:

- `DiGraph`: at most one edge from a node to another, with attributes;
- `MultiDiGraph`: any number, each with its own attributes and a key
  (0, 1, ... per pair), as two empty branch arms to the same step need.

Everything keeps insertion order, exactly as networkx does: nodes in the
order first added (`add_edge` adds its source, then its target),
successors and predecessors in the order of the first edge between the
two, parallel edges by key. The algorithms visit in the same order as
networkx 3's, so whatever a finding or a diagram lists in graph order comes
out the same; tests/test_digraph.py checks both against networkx on random
graphs (networkx is a test-only dependency).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Hashable, Iterable, Iterator
from typing import Any, Generic, Literal, TypeVar, overload

N = TypeVar("N", bound=Hashable)

# a node's or an edge's attributes: the caller's own keys and values
Attrs = dict[str, Any]


class CycleError(ValueError):
    """`topological_sort` of a graph with a cycle."""


class NodeView(Generic[N]):
    """`g.nodes`: iterate, test membership, `g.nodes[n]` for a node's own
    (mutable) attribute dict, `g.nodes(data=True)` for (node, attrs)."""

    __slots__ = ("_nodes",)

    def __init__(self, nodes: dict[N, Attrs]):
        self._nodes = nodes

    def __getitem__(self, node: N) -> Attrs:
        return self._nodes[node]

    def __iter__(self) -> Iterator[N]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, node: object) -> bool:
        return node in self._nodes

    @overload
    def __call__(self, data: Literal[False] = False) -> list[N]: ...
    @overload
    def __call__(self, data: Literal[True]) -> list[tuple[N, Attrs]]: ...
    def __call__(self, data: bool = False) -> list[N] | list[tuple[N, Attrs]]:
        if data:
            return list(self._nodes.items())
        return list(self._nodes)


class _Graph(ABC, Generic[N]):
    """What both kinds share: nodes, adjacency, the questions asked of it.
    `_succ[u][v]` and `_pred[v][u]` are the same object: an edge's
    attributes (`DiGraph`) or its parallel edges by key (`MultiDiGraph`)."""

    def __init__(self, **graph: Any):
        self.graph: Attrs = dict(graph)
        self._node: dict[N, Attrs] = {}
        self._succ: dict[N, dict[N, Any]] = {}
        self._pred: dict[N, dict[N, Any]] = {}
        # one view, made once: analyses read `g.nodes[n]` in their inner loops
        self.nodes: NodeView[N] = NodeView(self._node)

    def __iter__(self) -> Iterator[N]:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def __contains__(self, node: object) -> bool:
        return node in self._node

    def add_node(self, node: N, **attrs: Any) -> None:
        """Add `node` (at the end of the order) or update its attributes."""
        if node not in self._succ:
            self._succ[node] = {}
            self._pred[node] = {}
            self._node[node] = dict(attrs)
        else:
            self._node[node].update(attrs)

    def add_nodes_from(self, nodes: Iterable[N]) -> None:
        for node in nodes:
            self.add_node(node)

    @abstractmethod
    def add_edge(self, source: N, target: N, **attrs: Any) -> Any:
        """Each kind says what a second edge between two nodes means."""

    def add_edges_from(self, edges: Iterable[tuple[N, N] | tuple[N, N, Attrs]]) -> None:
        """Each edge as (source, target) or (source, target, attrs)."""
        for edge in edges:
            if len(edge) == 3:
                self.add_edge(edge[0], edge[1], **edge[2])
            else:
                self.add_edge(edge[0], edge[1])

    def _ensure(self, node: N) -> None:
        if node not in self._succ:
            self._succ[node] = {}
            self._pred[node] = {}
            self._node[node] = {}

    def successors(self, node: N) -> Iterator[N]:
        return iter(self._succ[node])

    def predecessors(self, node: N) -> Iterator[N]:
        return iter(self._pred[node])

    def has_edge(self, source: N, target: N) -> bool:
        return target in self._succ.get(source, ())


class DiGraph(_Graph[N]):
    """At most one edge from one node to another; adding it again updates
    its attributes."""

    _succ: dict[N, dict[N, Attrs]]
    _pred: dict[N, dict[N, Attrs]]

    def add_edge(self, source: N, target: N, **attrs: Any) -> None:
        self._ensure(source)
        self._ensure(target)
        data = self._succ[source].get(target)
        if data is None:
            data = self._succ[source][target] = self._pred[target][source] = {}
        data.update(attrs)

    @property
    def edges(self) -> EdgeView[N]:
        return EdgeView(self)

    def out_degree(self, node: N) -> int:
        return len(self._succ[node])

    def in_degree(self, node: N) -> int:
        return len(self._pred[node])

    def out_edges(self, node: N, data: bool = False) -> list[Any]:
        if data:
            return [(node, target, attrs) for target, attrs in self._succ[node].items()]
        return [(node, target) for target in self._succ[node]]

    def in_edges(self, node: N, data: bool = False) -> list[Any]:
        if data:
            return [(source, node, attrs) for source, attrs in self._pred[node].items()]
        return [(source, node) for source in self._pred[node]]


class EdgeView(Generic[N]):
    """`DiGraph.edges`: iterate (source, target) pairs, `g.edges[u, v]` for
    an edge's attributes, `g.edges(data=True)` for (source, target, attrs)."""

    __slots__ = ("_succ",)

    def __init__(self, g: DiGraph[N]):
        self._succ = g._succ

    def __iter__(self) -> Iterator[tuple[N, N]]:
        return ((source, target) for source, out in self._succ.items() for target in out)

    def __len__(self) -> int:
        return sum(len(out) for out in self._succ.values())

    def __getitem__(self, edge: tuple[N, N]) -> Attrs:
        return self._succ[edge[0]][edge[1]]

    @overload
    def __call__(self, data: Literal[False] = False) -> list[tuple[N, N]]: ...
    @overload
    def __call__(self, data: Literal[True]) -> list[tuple[N, N, Attrs]]: ...
    def __call__(self, data: bool = False) -> list[tuple[N, N]] | list[tuple[N, N, Attrs]]:
        if data:
            return [(source, target, attrs) for source, out in self._succ.items() for target, attrs in out.items()]
        return list(self)


class MultiDiGraph(_Graph[N]):
    """Any number of edges from one node to another, each with a key
    (0, 1, ... for the pair, in the order added) and attributes of its own."""

    _succ: dict[N, dict[N, dict[int, Attrs]]]
    _pred: dict[N, dict[N, dict[int, Attrs]]]

    def add_edge(self, source: N, target: N, **attrs: Any) -> int:
        """Add one more edge; return its key."""
        self._ensure(source)
        self._ensure(target)
        parallel = self._succ[source].get(target)
        if parallel is None:
            parallel = self._succ[source][target] = self._pred[target][source] = {}
        key = len(parallel)  # edges are never removed, so the keys are 0..len-1
        parallel[key] = dict(attrs)
        return key

    @property
    def edges(self) -> MultiEdgeView[N]:
        return MultiEdgeView(self)

    def out_degree(self, node: N) -> int:
        return sum(len(parallel) for parallel in self._succ[node].values())

    def in_degree(self, node: N) -> int:
        return sum(len(parallel) for parallel in self._pred[node].values())

    def out_edges(self, node: N, data: bool = False) -> list[Any]:
        """(node, target) per edge, or (node, target, attrs) with `data`."""
        if data:
            return [
                (node, target, attrs) for target, parallel in self._succ[node].items() for attrs in parallel.values()
            ]
        return [(node, target) for target, parallel in self._succ[node].items() for _ in parallel]

    def in_edges(self, node: N, data: bool = False) -> list[Any]:
        """(source, node) per edge, or (source, node, attrs) with `data`."""
        if data:
            return [
                (source, node, attrs) for source, parallel in self._pred[node].items() for attrs in parallel.values()
            ]
        return [(source, node) for source, parallel in self._pred[node].items() for _ in parallel]


class MultiEdgeView(Generic[N]):
    """`MultiDiGraph.edges`: iterate (source, target, key) as networkx does;
    `g.edges()` for (source, target) per edge, `data=True` for
    (source, target, attrs), `keys=True` too for (source, target, key, attrs)."""

    __slots__ = ("_succ",)

    def __init__(self, g: MultiDiGraph[N]):
        self._succ = g._succ

    def __iter__(self) -> Iterator[tuple[N, N, int]]:
        return (
            (source, target, key)
            for source, out in self._succ.items()
            for target, parallel in out.items()
            for key in parallel
        )

    def __len__(self) -> int:
        return sum(len(parallel) for out in self._succ.values() for parallel in out.values())

    def __getitem__(self, edge: tuple[N, N, int]) -> Attrs:
        return self._succ[edge[0]][edge[1]][edge[2]]

    def __call__(self, data: bool = False, keys: bool = False) -> list[Any]:
        succ = self._succ.items()
        if data and keys:
            return [
                (source, target, key, attrs)
                for source, out in succ
                for target, parallel in out.items()
                for key, attrs in parallel.items()
            ]
        if data:
            return [
                (source, target, attrs)
                for source, out in succ
                for target, parallel in out.items()
                for attrs in parallel.values()
            ]
        if keys:
            return list(self)
        return [(source, target) for source, out in succ for target, parallel in out.items() for _ in parallel]


# ----------------------------------------------------------------- algorithms


def strongly_connected_components(g: _Graph[N]) -> Iterator[set[N]]:
    """The strongly connected components, each a set of nodes, sinks first.

    Tarjan's algorithm without recursion, with Nuutila's improvements, as
    networkx 3 writes it, so the components come in the same order: a
    depth-first search from each node in node order, successors in order."""
    succ = g._succ
    preorder: dict[N, int] = {}
    lowlink: dict[N, int] = {}
    found: set[N] = set()
    waiting: list[N] = []  # finished nodes whose component is not closed yet
    counter = 0
    pending = {node: iter(out) for node, out in succ.items()}
    for source in succ:
        if source in found:
            continue
        stack = [source]
        while stack:
            v = stack[-1]
            if v not in preorder:
                counter += 1
                preorder[v] = counter
            done = True
            for w in pending[v]:
                if w not in preorder:
                    stack.append(w)
                    done = False
                    break
            if not done:
                continue
            low = preorder[v]
            for w in succ[v]:
                if w not in found:
                    low = min(low, lowlink[w] if preorder[w] > preorder[v] else preorder[w])
            lowlink[v] = low
            stack.pop()
            if low == preorder[v]:
                component = {v}
                while waiting and preorder[waiting[-1]] > preorder[v]:
                    component.add(waiting.pop())
                found.update(component)
                yield component
            else:
                waiting.append(v)


def condensation(g: _Graph[N], components: Iterable[set[N]] | None = None) -> DiGraph[int]:
    """The graph of `g`'s strongly connected components (`components`, when
    already worked out, in their order; else `strongly_connected_components`):
    node i for the i-th, with attribute `members` (its set of nodes), an edge
    wherever `g` has one between two of them. `graph["mapping"]` gives each
    node of `g` its component."""
    if components is None:
        components = strongly_connected_components(g)
    mapping: dict[N, int] = {}
    condensed: DiGraph[int] = DiGraph(mapping=mapping)
    if not len(g):
        return condensed
    members = list(components)
    for i, component in enumerate(members):
        mapping.update((node, i) for node in component)
        condensed.add_node(i, members=component)
    for source, out in g._succ.items():
        for target in out:
            if mapping[source] != mapping[target]:
                condensed.add_edge(mapping[source], mapping[target])
    return condensed


def topological_sort(g: _Graph[N]) -> Iterator[N]:
    """Every node after all its predecessors: Kahn's algorithm generation
    by generation (the sources in node order, then what they free, in the
    order freed), as networkx 3 orders them. Raises CycleError at the end
    if a cycle kept some nodes back."""
    waiting = {node: len(pred) for node, pred in g._pred.items() if pred}
    ready = [node for node, pred in g._pred.items() if not pred]
    while ready:
        generation, ready = ready, []
        for node in generation:
            for child in g._succ[node]:
                waiting[child] -= 1  # parallel edges count once, for freeing as for counting
                if not waiting[child]:
                    ready.append(child)
                    del waiting[child]
        yield from generation
    if waiting:
        raise CycleError("the graph has a cycle")


def descendants(g: _Graph[N], source: N) -> set[N]:
    """Every node reachable from `source`, never `source` itself (even on a
    cycle through it), as networkx's `descendants`."""
    if source not in g._succ:
        raise KeyError(f"{source!r} is not in the graph")
    succ = g._succ
    seen = {source}
    queue = deque([source])
    while queue:
        for target in succ[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    seen.discard(source)
    return seen
