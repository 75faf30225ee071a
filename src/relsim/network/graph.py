"""The social network store: one symmetric sparse adjacency over all customers.

A :class:`SocialNetwork` holds an undirected, unweighted graph over ``n`` customers
(nodes ``0 .. n-1``) as one symmetric sparse adjacency matrix, so that the simulation
can aggregate neighbour state for every customer with a single sparse product
(:meth:`SocialNetwork.neighbour_sum`).  The complete graph is never materialised.
"""

from __future__ import annotations

import operator

import networkx as nx
import numpy as np
from scipy import sparse

SMALL_SUM = 20_000
"""Below this many neighbour terms, :meth:`SocialNetwork.neighbour_sum_from` scatters with
numpy (about 0.1 ms) rather than taking scipy's sparse product (about 0.4 ms of overhead);
above it the sparse product is faster (measured at 1,000 to 1,000,000 customers)."""


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
        indptr = self.adjacency.indptr
        starts = indptr[nodes]
        counts = indptr[nodes + 1] - starts
        if counts.sum() <= SMALL_SUM:  # a few additions: numpy's without scipy's overhead
            return self._scatter_from(starts, counts, values, out)
        columns = self.adjacency[nodes].T  # (n, len(nodes)): the adjacency's columns of nodes
        # one product per column writes each firm-major row directly (no transposing copy)
        if out is None:
            return np.stack([columns @ values[:, j] for j in range(values.shape[1])])
        for j in range(values.shape[1]):
            out[j] = columns @ values[:, j]
        return out

    def _scatter_from(self, starts: np.ndarray, counts: np.ndarray, values: np.ndarray,
                      out: np.ndarray | None) -> np.ndarray:
        """:meth:`neighbour_sum_from` by adding each node's values at its neighbours, node
        by node in increasing order (``np.add.at`` is unbuffered and keeps that order), in
        the dtype of ``values``: the same sums, bit for bit, as the sparse product, whose
        column-by-column loop adds in the same order."""
        total = int(counts.sum())
        first = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        neighbours = self.adjacency.indices[first + np.arange(total)]
        owner = np.repeat(np.arange(counts.size), counts)
        if out is None:
            out = np.zeros((values.shape[1], self.n), dtype=values.dtype)
        else:
            out[...] = 0
        for j in range(values.shape[1]):
            np.add.at(out[j], neighbours, values[owner, j])
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


def _check_count(name: str, value: int, *, minimum: int) -> int:
    """``value`` as a Python int, checked to be an integer ``>= minimum``."""
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value
