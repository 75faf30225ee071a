"""Network generators: complete, Erdős–Rényi, Watts–Strogatz, Barabási–Albert, edge lists.

:func:`build_network` creates the kinds listed in :data:`NETWORK_KINDS`:

* ``complete`` -- everybody knows everybody (well-mixed population);
* ``erdos_renyi`` -- the random graph G(n, p) of Erdős & Rényi (1959);
* ``watts_strogatz`` -- the small-world ring of Watts & Strogatz (1998);
* ``barabasi_albert`` -- the scale-free preferential-attachment graph of
  Barabási & Albert (1999), grown with the linear-time algorithm of
  Batagelj & Brandes (2005);
* ``edge_list`` -- a graph read from a text file (:mod:`relsim.network.edgelist`).

All randomness comes from the :class:`numpy.random.Generator` passed in, so the same
seed always gives the same graph.

References
----------
Erdős, P. & Rényi, A. (1959). On random graphs I. Publicationes Mathematicae 6, 290-297.
Watts, D. J. & Strogatz, S. H. (1998). Collective dynamics of 'small-world' networks.
Nature 393, 440-442.
Barabási, A.-L. & Albert, R. (1999). Emergence of scaling in random networks.
Science 286, 509-512.
Batagelj, V. & Brandes, U. (2005). Efficient generation of large random networks.
Physical Review E 71, 036113.
"""

from __future__ import annotations

import math
import os
from typing import Final

import numpy as np

from relsim.network.edgelist import load_edge_list
from relsim.network.graph import SocialNetwork, _check_count

NETWORK_KINDS: Final = ("complete", "erdos_renyi", "watts_strogatz", "barabasi_albert", "edge_list")
"""Every network kind, in the order the docs list them."""


def build_network(
    kind: str,
    n: int,
    rng: np.random.Generator,
    *,
    mean_degree: float = 10,
    rewire_prob: float = 0.1,
    path: str | os.PathLike | None = None,
) -> SocialNetwork:
    """Build a social network of the given kind on ``n`` customers.

    kind:
        One of :data:`NETWORK_KINDS`:

        * ``"complete"`` -- complete graph, degree ``n - 1``, never materialised;
        * ``"erdos_renyi"`` -- G(n, p) with ``p = mean_degree / (n - 1)``
          (Erdős & Rényi 1959), sampled exactly;
        * ``"watts_strogatz"`` -- ring lattice of degree ``k = round(mean_degree)``
          rounded down to even (``2 <= k < n``), each lattice
          edge rewired with probability ``rewire_prob`` (Watts & Strogatz 1998);
        * ``"barabasi_albert"`` -- preferential attachment with
          ``m = max(1, round(mean_degree / 2))`` edges per new node from a star of
          ``m + 1`` seed nodes (Barabási & Albert 1999; Batagelj & Brandes 2005);
          it has exactly ``m * (n - m)`` edges;
        * ``"edge_list"`` -- read from the text file ``path`` (:func:`read_edge_list`).
    rng:
        Source of all randomness; the same seed gives the same graph.
    mean_degree, rewire_prob:
        Model parameters as above (ignored by kinds that do not use them).
    path:
        Edge-list file, required for ``"edge_list"`` and ignored otherwise.

    Raises ``ValueError`` for an unknown kind or parameters the kind cannot satisfy.
    """
    check_network_parameters(kind, n, mean_degree, rewire_prob)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    mean_degree = float(mean_degree)
    if kind == "complete":
        return SocialNetwork.complete_graph(n)
    if kind == "edge_list":
        if path is None:
            raise ValueError("network kind 'edge_list' needs path=<edge-list file>")
        return load_edge_list(path, n)
    if kind == "erdos_renyi":
        u, v = _erdos_renyi_edges(n, _edge_probability(n, mean_degree), rng)
    elif kind == "watts_strogatz":
        k = _lattice_degree(n, mean_degree)
        u, v = _watts_strogatz_edges(n, k, _check_probability(rewire_prob), rng)
    else:
        u, v = _barabasi_albert_edges(n, _attachment_count(n, mean_degree), rng)
    return SocialNetwork.from_edges(n, u, v)


def check_network_parameters(kind: str, n: int, mean_degree: float = 10,
                             rewire_prob: float = 0.1) -> None:
    """Raise ``ValueError`` if a network of this kind cannot be built with these parameters.

    Used by :func:`build_network` and by configuration validation, so a bad
    combination (e.g. mean degree 10 on 8 customers) is reported before a run.
    """
    if kind not in NETWORK_KINDS:
        raise ValueError(f"unknown network kind {kind!r}; valid kinds: {', '.join(NETWORK_KINDS)}")
    n = _check_count("n", n, minimum=1)
    mean_degree = _check_mean_degree(mean_degree)
    if kind == "erdos_renyi":
        _edge_probability(n, mean_degree)
    elif kind == "watts_strogatz":
        _lattice_degree(n, mean_degree)
        _check_probability(rewire_prob)
    elif kind == "barabasi_albert":
        _attachment_count(n, mean_degree)


# ----------------------------------------------------------------------------- random models


def _erdos_renyi_edges(n: int, p: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Edges of an exact G(n, p) random graph (Erdős & Rényi 1959).

    The edge count is drawn as ``m ~ Binomial(n(n-1)/2, p)`` and then ``m`` distinct
    node pairs are drawn uniformly (:func:`_distinct_pairs`); given ``m``, G(n, p) is
    uniform over graphs with ``m`` edges, so this is exactly G(n, p) -- duplicates are
    resampled, not collapsed, so dense graphs are not thinned.
    """
    pair_count = n * (n - 1) // 2
    m = int(rng.binomial(pair_count, p)) if pair_count else 0
    return _distinct_pairs(n, m, rng)


def _distinct_pairs(n: int, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``m`` distinct unordered node pairs ``u < v``, a uniform random subset of all pairs.

    Pairs are drawn independently and uniformly (no self pairs) and the first ``m``
    distinct ones, in order of first appearance, are kept; any shortfall from repeats is
    drawn in further rounds.  Each round over-draws by the expected share of already
    taken pairs plus ~6 % slack, so sparse graphs finish in one round.
    """
    pair_count = n * (n - 1) // 2
    keys = np.empty(0, dtype=np.int64)  # pair (a, b), a < b, encoded as a * n + b
    while keys.size < m:
        missing = m - keys.size
        draws = missing * pair_count // (pair_count - keys.size) + missing // 16 + 16
        a = rng.integers(0, n, size=draws)
        b = (a + rng.integers(1, n, size=draws)) % n  # uniform over the other n - 1 nodes
        keys = _first_distinct(np.concatenate([keys, np.minimum(a, b) * n + np.maximum(a, b)]), m)
    return keys // n, keys % n


def _first_distinct(keys: np.ndarray, limit: int) -> np.ndarray:
    """The first ``limit`` distinct values of ``keys`` in order of first appearance."""
    _, first = np.unique(keys, return_index=True)
    return keys[np.sort(first)[:limit]]


def _watts_strogatz_edges(
    n: int, k: int, rewire_prob: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Edges of a Watts & Strogatz (1998) small-world graph, vectorised.

    Start from the ring lattice linking every node ``i`` to ``i + 1 .. i + k/2``
    (mod ``n``); each lattice edge ``(i, i + j)`` independently, with probability
    ``rewire_prob``, has its far end replaced by a node drawn uniformly from the other
    ``n - 1`` nodes (as ``networkx.watts_strogatz_graph`` does).  Unlike networkx, which
    rewires edges one at a time and redraws a far end that already is a neighbour,
    the rewiring here is simultaneous and an edge landing on an existing one collapses
    into it.  That removes on average about ``rewire_prob * k / n`` of the edges per
    node -- negligible for sparse graphs, but the mean degree is very slightly below ``k``.
    """
    near = np.repeat(np.arange(n, dtype=np.int64), k // 2)
    far = (near + np.tile(np.arange(1, k // 2 + 1, dtype=np.int64), n)) % n
    rewired = np.flatnonzero(rng.random(near.size) < rewire_prob)
    far[rewired] = (near[rewired] + rng.integers(1, n, size=rewired.size)) % n
    return near, far


def _barabasi_albert_edges(
    n: int, m: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Edges of a Barabási & Albert (1999) preferential-attachment graph.

    As ``networkx.barabasi_albert_graph``: the seed graph is a star on nodes
    ``0 .. m`` (centre 0); each later node ``s`` links to ``m`` distinct existing nodes
    chosen with probability proportional to their degree, giving ``m * (n - m)`` edges.

    Uses the "repeated nodes" list of Batagelj & Brandes (2005), stored in one
    preallocated array: the block for node ``s`` holds its ``m`` targets followed by
    ``m`` copies of ``s``, so every node appears once per edge end and a uniform
    position before the block is a degree-proportional draw.  The first-choice
    positions of all nodes are drawn in one vectorised call (which positions are drawn
    does not depend on earlier outcomes); only nodes whose choices hit the same target
    twice redraw, one position at a time, exactly like networkx's rejection sampling.
    """
    new_nodes = np.arange(m + 1, n, dtype=np.int64)
    block_starts = 2 * m * (new_nodes - m)
    ends = np.empty((n - m, 2, m), dtype=np.int64)  # [block, targets/sources, slot]
    ends[0, 0] = np.arange(1, m + 1)  # seed star: leaves ...
    ends[0, 1] = 0  # ... linked to the centre
    ends[1:, 1] = new_nodes[:, np.newaxis]
    repeated = ends.reshape(-1)  # the repeated-nodes list, a view of ends
    first_choice = (rng.random((new_nodes.size, m)) * block_starts[:, np.newaxis]).astype(np.int64)
    for i in range(new_nodes.size):
        targets = repeated[first_choice[i]]
        if len(set(targets.tolist())) < m:
            targets = _redraw_repeats(targets.tolist(), repeated[: block_starts[i]], rng)
        ends[i + 1, 0] = targets
    return ends[:, 0].ravel(), ends[:, 1].ravel()


def _redraw_repeats(targets: list[int], pool: np.ndarray, rng: np.random.Generator) -> list[int]:
    """``targets`` with each repeat replaced by fresh uniform draws from ``pool`` until new."""
    chosen: list[int] = []
    for target in targets:
        while target in chosen:
            target = int(pool[rng.integers(pool.size)])
        chosen.append(target)
    return chosen


# ----------------------------------------------------------------------------- parameters


def _check_mean_degree(mean_degree: float) -> float:
    """``mean_degree`` as a float, checked to be finite and non-negative."""
    mean_degree = float(mean_degree)
    if not math.isfinite(mean_degree) or mean_degree < 0:
        raise ValueError(f"mean_degree must be a finite number >= 0, got {mean_degree}")
    return mean_degree


def _check_probability(p: float) -> float:
    """``p`` as a float, checked to lie in [0, 1]."""
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"rewire_prob must lie in [0, 1], got {p}")
    return p


def _edge_probability(n: int, mean_degree: float) -> float:
    """Erdős-Rényi edge probability ``mean_degree / (n - 1)``, checked to be <= 1."""
    if n == 1:
        return 0.0
    if mean_degree > n - 1:
        raise ValueError(f"erdos_renyi: mean_degree {mean_degree} exceeds n - 1 = {n - 1}")
    return mean_degree / (n - 1)


def _lattice_degree(n: int, mean_degree: float) -> int:
    """Watts-Strogatz lattice degree: ``round(mean_degree)`` rounded down to even, 2 <= k < n."""
    k = 2 * (round(mean_degree) // 2)
    if not 2 <= k < n:
        raise ValueError(
            f"watts_strogatz: mean_degree {mean_degree} gives lattice degree k={k}; "
            f"need 2 <= k < n={n}"
        )
    return k


def _attachment_count(n: int, mean_degree: float) -> int:
    """Barabási-Albert edges per new node, ``m = max(1, round(mean_degree / 2))`` < n."""
    m = max(1, round(mean_degree / 2))
    if m >= n:
        raise ValueError(f"barabasi_albert: m={m} edges per new node needs n > m, got n={n}")
    return m
