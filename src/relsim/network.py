"""Social networks between customers.

A :class:`SocialNetwork` holds an undirected, unweighted graph over ``n`` customers
(nodes ``0 .. n-1``) as one symmetric sparse adjacency matrix, so that the simulation
can aggregate neighbour state for every customer with a single sparse product
(:meth:`SocialNetwork.neighbour_sum`).  The complete graph is never materialised.

:func:`build_network` creates the network kinds listed in :data:`NETWORK_KINDS`:

* ``complete`` -- everybody knows everybody (well-mixed population);
* ``erdos_renyi`` -- the random graph G(n, p) of Erdős & Rényi (1959);
* ``watts_strogatz`` -- the small-world ring of Watts & Strogatz (1998);
* ``barabasi_albert`` -- the scale-free preferential-attachment graph of
  Barabási & Albert (1999), grown with the linear-time algorithm of
  Batagelj & Brandes (2005);
* ``edge_list`` -- a graph read from a text file (:func:`read_edge_list`).

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

import io
import math
import operator
import os
import re
from pathlib import Path
from typing import Final

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

__all__ = [
    "NETWORK_KINDS",
    "NetworkFileError",
    "SocialNetwork",
    "build_network",
    "from_networkx",
    "read_edge_list",
]

NETWORK_KINDS: Final = ("complete", "erdos_renyi", "watts_strogatz", "barabasi_albert", "edge_list")


class NetworkFileError(ValueError):
    """An edge-list file is missing, unreadable or malformed.

    The message is one line naming the file and, for a malformed file, the line number
    and what was expected there.
    """


class SocialNetwork:
    """Undirected social network over customers, stored once as a sparse adjacency.

    Attributes
    ----------
    n:
        Number of nodes (customers ``0 .. n-1``).
    complete:
        True for the complete graph, which is never materialised.
    adjacency:
        Symmetric ``scipy.sparse.csr_array`` of shape ``(n, n)`` with float32 data all
        equal to 1, no self loops and no duplicate entries (canonical format, int32
        indices whenever scipy can use them); ``None`` for the complete graph.
    degree:
        int64 array of length ``n``, the number of neighbours of each node.

    The constructor trusts ``adjacency`` to satisfy the invariants above; build networks
    with :meth:`from_edges`, :meth:`complete_graph`, :func:`build_network`,
    :func:`from_networkx` or :func:`read_edge_list` instead.  The models behind the
    random kinds are Erdős & Rényi (1959), Watts & Strogatz (1998) and
    Barabási & Albert (1999); see the module docstring.
    """

    __slots__ = ("n", "complete", "adjacency", "degree")

    def __init__(self, n: int, adjacency: sparse.csr_array | None) -> None:
        self.n = _check_count("n", n, minimum=0)
        self.complete = adjacency is None
        self.adjacency = adjacency
        if adjacency is None:
            self.degree = np.full(self.n, max(self.n - 1, 0), dtype=np.int64)
        else:
            if adjacency.shape != (self.n, self.n):
                raise ValueError(
                    f"adjacency has shape {adjacency.shape}, expected {(self.n, self.n)}"
                )
            self.degree = np.diff(adjacency.indptr).astype(np.int64)

    @classmethod
    def complete_graph(cls, n: int) -> SocialNetwork:
        """The complete graph on ``n`` nodes (every pair linked), kept implicit."""
        return cls(n, None)

    @classmethod
    def from_edges(cls, n: int, u: np.ndarray, v: np.ndarray) -> SocialNetwork:
        """Network on ``n`` nodes with an undirected edge ``(u[i], v[i])`` for every ``i``.

        Self loops are dropped and repeated edges (in either direction) collapse into one.
        """
        return cls(n, _adjacency_from_edges(_check_count("n", n, minimum=0), u, v))

    def __repr__(self) -> str:
        return f"SocialNetwork(n={self.n}, n_edges={self.n_edges}, complete={self.complete})"

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        if self.complete:
            return self.n * (self.n - 1) // 2
        return self.adjacency.nnz // 2

    @property
    def mean_degree(self) -> float:
        """Average number of neighbours per node (0.0 for an empty network)."""
        return 2 * self.n_edges / self.n if self.n else 0.0

    def neighbour_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` over each node's neighbours.

        ``values`` has shape ``(n,)`` or ``(n, k)``; the result has the same shape.
        float32 input stays float32 (half the memory traffic in the model's
        message passing), anything else is computed in float64.  For the
        complete graph this is ``values.sum(axis=0) - values`` (O(n), no
        adjacency needed); otherwise it is the sparse product ``adjacency @ values``
        (one multi-column product: at n = 1e6 and 12 float32 columns it took
        130-210 ms against 200-250 ms column by column).
        """
        values = self._node_values(values)
        if self.complete:
            return values.sum(axis=0) - values
        return self.adjacency @ values

    def neighbour_sum_from(self, nodes: np.ndarray, values: np.ndarray,
                           out: np.ndarray | None = None) -> np.ndarray:
        """Sums over each node's neighbours of values held by ``nodes`` only, transposed.

        ``values`` has shape ``(len(nodes), k)`` (every other node holds 0); the
        result has shape ``(k, n)``, C-contiguous (firm-major), and equals
        ``neighbour_sum(full).T`` bit for bit: the adjacency is symmetric, so
        the rows of ``nodes`` transposed are its columns, and each node's terms
        are added in the same (increasing neighbour) order.  The cost is
        proportional to the edges of ``nodes``, not to all edges.  ``out``, if
        given, is a ``(k, n)`` array (or view) that receives the result.
        """
        values = self._node_values(values, rows=len(nodes))
        if self.complete:
            full = np.zeros((self.n, values.shape[1]), dtype=values.dtype)
            full[nodes] = values
            result = np.ascontiguousarray(self.neighbour_sum(full).T)
            if out is None:
                return result
            out[...] = result
            return out
        columns = self.adjacency[nodes].T  # (n, len(nodes)): the adjacency's columns of nodes
        # one product per column writes each firm-major row directly (no transposing copy)
        if out is None:
            return np.stack([columns @ values[:, j] for j in range(values.shape[1])])
        for j in range(values.shape[1]):
            out[j] = columns @ values[:, j]
        return out

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` over each node's neighbours; 0 for nodes without neighbours.

        Shapes as in :meth:`neighbour_sum`.
        """
        sums = self.neighbour_sum(values)
        degree = self.degree if sums.ndim == 1 else self.degree[:, np.newaxis]
        return np.divide(sums, degree, out=np.zeros_like(sums), where=degree > 0)

    def to_networkx(self) -> nx.Graph:
        """The network as a ``networkx.Graph`` on nodes ``0 .. n-1`` (small graphs, plots)."""
        if self.complete:
            return nx.complete_graph(self.n)
        upper = sparse.triu(self.adjacency, k=1, format="coo")
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from(zip(upper.row.tolist(), upper.col.tolist()))
        return graph

    def _node_values(self, values: np.ndarray, rows: int | None = None) -> np.ndarray:
        """``values`` as float32 or float64, checked to hold one entry (or row) per node.

        ``rows`` is the expected number of rows (default: one per node).
        """
        rows = self.n if rows is None else rows
        values = np.asarray(values)
        if values.dtype != np.float32:
            values = values.astype(np.float64, copy=False)
        if values.ndim not in (1, 2) or values.shape[0] != rows:
            raise ValueError(
                f"values must have shape ({rows},) or ({rows}, k), got {values.shape}"
            )
        return values


# ----------------------------------------------------------------------------- building


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
        return read_edge_list(path, n)
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


def from_networkx(graph: nx.Graph) -> SocialNetwork:
    """Convert an undirected ``networkx`` graph into a :class:`SocialNetwork`.

    If the nodes are exactly ``0 .. n-1`` they keep their labels; otherwise they are
    relabelled ``0 .. n-1`` in ``sorted(graph.nodes)`` order.  Self loops are dropped,
    parallel edges of a multigraph collapse and edge attributes are ignored.  Directed
    graphs are rejected (``ValueError``); use ``graph.to_undirected()`` first.  Works for
    any graph model, e.g. those of Erdős & Rényi (1959), Watts & Strogatz (1998) or
    Barabási & Albert (1999) as generated by networkx.
    """
    if graph.is_directed():
        raise ValueError("from_networkx needs an undirected graph; use graph.to_undirected()")
    n = graph.number_of_nodes()
    index = {node: i for i, node in enumerate(_node_order(graph))}
    ends = np.fromiter(
        (index[node] for edge in graph.edges() for node in edge),
        dtype=np.int64,
        count=2 * graph.number_of_edges(),
    ).reshape(-1, 2)
    return SocialNetwork.from_edges(n, ends[:, 0], ends[:, 1])


def _node_order(graph: nx.Graph) -> range | list:
    """Nodes in their new-label order: as is if they are ``0 .. n-1``, else sorted."""
    n = graph.number_of_nodes()
    if set(graph.nodes) == set(range(n)):
        return range(n)
    try:
        return sorted(graph.nodes)
    except TypeError as exc:
        raise ValueError(f"cannot relabel graph nodes: they are not sortable ({exc})") from None


# ----------------------------------------------------------------------------- edge lists

_EDGE_COLUMNS: Final = ["u", "v", "weight"]
_COMMENT: Final = re.compile(r"#[^\n]*")
_PANDAS_LINE: Final = re.compile(r"\bline (\d+)\b")
_EXPECTED_LINE: Final = "expected two integer node ids in [0, {n}) and an optional weight"


def read_edge_list(path: str | os.PathLike, n: int) -> SocialNetwork:
    """Read an undirected network on ``n`` nodes from a text edge list.

    Each non-blank line holds two integer node ids in ``[0, n)`` separated by whitespace
    and/or a comma, optionally followed by a third (weight) column, which is ignored.
    Text from ``#`` to the end of a line is a comment.  Self loops are dropped and
    repeated edges (in either direction) collapse into one.  Parsing is vectorised
    (pandas); integral values written as floats (``3.0``) are accepted as ids.

    Raises :class:`NetworkFileError` with a one-line message naming the file if it
    cannot be read, and naming the file, the line number and what was expected if a
    line is malformed or a node id is out of range.  The graph itself is whatever the
    file describes (it need not follow Erdős & Rényi 1959, Watts & Strogatz 1998 or
    Barabási & Albert 1999).
    """
    n = _check_count("n", n, minimum=1)
    name = os.fspath(path)
    text = _read_text(name)
    table = _parse_edge_table(name, text, n)
    u = pd.to_numeric(table["u"], errors="coerce").to_numpy(dtype=np.float64)
    v = pd.to_numeric(table["v"], errors="coerce").to_numpy(dtype=np.float64)
    blank = table["u"].isna().to_numpy()  # blank or comment-only line: no first field at all
    bad = ~blank & ~(_is_node_id(u, n) & _is_node_id(v, n))
    if bad.any():
        raise _bad_line(name, text, int(np.argmax(bad)) + 1, n)
    return SocialNetwork.from_edges(n, u[~blank].astype(np.int64), v[~blank].astype(np.int64))


def _read_text(name: str) -> str:
    """Contents of the edge-list file ``name``, with file problems as NetworkFileError."""
    try:
        return Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NetworkFileError(f"{name}: edge-list file not found") from None
    except UnicodeDecodeError:
        raise NetworkFileError(f"{name}: edge-list file is not UTF-8 text") from None
    except OSError as exc:
        raise NetworkFileError(f"{name}: cannot read edge-list file ({exc.strerror})") from None


def _parse_edge_table(name: str, text: str, n: int) -> pd.DataFrame:
    """Split ``text`` into columns u, v, weight with one row per line (line = row + 1).

    Comments are blanked out and commas turned into spaces first, so that blank lines
    survive as all-missing rows and row numbers stay aligned with line numbers.
    """
    cleaned = _COMMENT.sub("", text).replace(",", " ")
    try:
        return pd.read_csv(
            io.StringIO(cleaned),
            sep=r"\s+",
            header=None,
            names=_EDGE_COLUMNS,
            skip_blank_lines=False,
            keep_default_na=False,
            na_values=[""],  # only absent fields are missing; "nan" stays text and is rejected
            engine="c",
        )
    except pd.errors.ParserError as exc:  # a line with more than three fields
        match = _PANDAS_LINE.search(str(exc))
        if match is None:
            raise NetworkFileError(f"{name}: {_EXPECTED_LINE.format(n=n)} ({exc})") from None
        raise _bad_line(name, text, int(match.group(1)), n) from None



def _bad_line(name: str, text: str, line_number: int, n: int) -> NetworkFileError:
    """The error for malformed line ``line_number`` (1-based) of file ``name``."""
    lines = text.split("\n")
    line = lines[line_number - 1].strip() if line_number <= len(lines) else ""
    expected = _EXPECTED_LINE.format(n=n)
    return NetworkFileError(f"{name} line {line_number}: {expected}, got {line!r}")


def _is_node_id(x: np.ndarray, n: int) -> np.ndarray:
    """Elementwise: is ``x`` an integral number in ``[0, n)``? (NaN -> False)."""
    with np.errstate(invalid="ignore"):
        return (x >= 0) & (x < n) & (x == np.floor(x))


# ----------------------------------------------------------------------------- adjacency


def _adjacency_from_edges(n: int, u: np.ndarray, v: np.ndarray) -> sparse.csr_array:
    """Symmetric 0/1 float32 CSR adjacency on ``n`` nodes from undirected edges ``(u, v)``.

    Self loops are dropped; duplicate edges (in either direction) are summed by the
    COO -> CSR conversion and then reset to 1.
    """
    u = np.asarray(u).ravel()
    v = np.asarray(v).ravel()
    if u.shape != v.shape:
        raise ValueError(f"edge endpoint arrays differ in length: {u.size} and {v.size}")
    if u.size and (u.dtype.kind not in "iu" or v.dtype.kind not in "iu"):
        raise TypeError(f"edge endpoints must be integers, got {u.dtype} and {v.dtype}")
    if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
        raise ValueError(f"edge endpoints must lie in [0, {n})")
    index_dtype = np.int32 if n < 2**31 else np.int64
    loop = u == v
    u = u[~loop].astype(index_dtype, copy=False)
    v = v[~loop].astype(index_dtype, copy=False)
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    data = np.ones(rows.size, dtype=np.float32)
    adjacency = sparse.coo_array((data, (rows, cols)), shape=(n, n)).tocsr()
    adjacency.sum_duplicates()  # no-op when tocsr already summed them; guarantees canonical form
    adjacency.data.fill(1)
    return adjacency


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


def _check_count(name: str, value: int, *, minimum: int) -> int:
    """``value`` as a Python int, checked to be an integer ``>= minimum``."""
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


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
