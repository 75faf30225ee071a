"""Tests for relsim.network: graph invariants, agreement with the reference models
(networkx generators) within sampling error, reproducibility and edge-list parsing."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy import sparse

import relsim.network.graph as graph_module
from relsim.network import (
    NETWORK_KINDS,
    NetworkFileError,
    SocialNetwork,
    build_network,
    from_networkx,
    read_edge_list,
)

RANDOM_KINDS = ("erdos_renyi", "watts_strogatz", "barabasi_albert")


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def assert_valid(net: SocialNetwork) -> None:
    """Every network invariant promised by SocialNetwork."""
    n = net.n
    assert net.degree.dtype == np.int64 and net.degree.shape == (n,)
    if net.complete:
        assert net.adjacency is None
        assert np.all(net.degree == n - 1)
        assert net.n_edges == n * (n - 1) // 2
        return
    a = net.adjacency
    assert isinstance(a, sparse.csr_array) and a.shape == (n, n)
    assert a.indices.dtype == np.int32
    assert a.data.dtype == np.float32 and np.all(a.data == 1)
    coo = a.tocoo()
    assert np.unique(coo.row.astype(np.int64) * n + coo.col).size == a.nnz, "duplicate entries"
    assert np.all(coo.row != coo.col), "self loop"
    assert (a != a.T).nnz == 0, "not symmetric"
    assert np.array_equal(net.degree, a.sum(axis=1))
    assert net.n_edges == a.nnz // 2
    assert net.mean_degree == pytest.approx(a.nnz / n)


def write_edges(path, net: SocialNetwork) -> None:
    upper = sparse.triu(net.adjacency, k=1, format="coo")
    np.savetxt(path, np.column_stack([upper.row, upper.col]), fmt="%d", delimiter=",")


def same_graph(a: SocialNetwork, b: SocialNetwork) -> bool:
    return a.n == b.n and (a.adjacency != b.adjacency).nnz == 0


def mean_and_se(samples) -> tuple[float, float]:
    samples = np.asarray(samples, dtype=float)
    return samples.mean(), samples.std(ddof=1) / np.sqrt(samples.size)


def assert_same_mean(ours, reference) -> None:
    """Means of two independent samples agree within 4 standard errors of their
    difference.  If the models are the same this fails with probability ~1e-4 for
    known SEs and below ~1% with SEs estimated from 6-8 seeds (t with ~10 df); the
    seeds are fixed, so the test itself is deterministic."""
    mean_a, se_a = mean_and_se(ours)
    mean_b, se_b = mean_and_se(reference)
    assert abs(mean_a - mean_b) <= 4 * np.hypot(se_a, se_b), (mean_a, mean_b, se_a, se_b)


# ----------------------------------------------------------------------------- invariants


@pytest.mark.parametrize("n", [12, 500])
@pytest.mark.parametrize("kind", [k for k in NETWORK_KINDS if k != "edge_list"])
def test_every_kind_satisfies_invariants(kind, n):
    net = build_network(kind, n, rng(), mean_degree=4)
    assert net.n == n and net.complete == (kind == "complete")
    assert_valid(net)


@pytest.mark.parametrize(
    ("kind", "n"),
    [("complete", 1), ("erdos_renyi", 1), ("watts_strogatz", 5), ("barabasi_albert", 3)],
)
def test_smallest_networks_satisfy_invariants(kind, n):
    net = build_network(kind, n, rng(), mean_degree=4)
    assert net.n == n
    assert_valid(net)


def test_edge_list_and_from_networkx_satisfy_invariants(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("0 1\n1 0\n2 2\n1 2\n3,1\n")  # duplicate, reversed duplicate, self loop
    net = build_network("edge_list", 5, rng(), path=path)
    assert_valid(net)
    assert net.n_edges == 3 and net.degree.tolist() == [1, 3, 1, 1, 0]
    assert_valid(from_networkx(nx.karate_club_graph()))


def test_neighbour_sum_and_mean_match_dense_products():
    net = build_network("erdos_renyi", 60, rng(3), mean_degree=1.5)  # some isolated nodes
    assert np.any(net.degree == 0)
    dense = net.adjacency.toarray().astype(np.float64)
    values = rng(4).normal(size=(60, 3))
    for x in (values, values[:, 0], np.arange(60)):
        expected = dense @ np.asarray(x, dtype=np.float64)
        result = net.neighbour_sum(x)
        assert result.dtype == np.float64 and result.shape == np.shape(x)
        np.testing.assert_allclose(result, expected, rtol=1e-12)
    single = values.astype(np.float32)  # float32 stays float32 (the model's message passing)
    result = net.neighbour_sum(single)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, dense @ single.astype(np.float64), rtol=1e-5, atol=1e-5)
    degree = net.degree[:, None]
    expected_mean = np.where(degree > 0, dense @ values / np.maximum(degree, 1), 0.0)
    np.testing.assert_allclose(net.neighbour_mean(values), expected_mean, rtol=1e-12)
    np.testing.assert_allclose(net.neighbour_mean(values[:, 1]), expected_mean[:, 1], rtol=1e-12)
    with pytest.raises(ValueError, match="shape"):
        net.neighbour_sum(np.zeros(59))


@pytest.mark.parametrize("small_sum", [0, 10**9], ids=["sparse-product", "scatter"])
@pytest.mark.parametrize("net", [build_network("watts_strogatz", 80, rng(5), mean_degree=4),
                                 SocialNetwork.complete_graph(30)], ids=["sparse", "complete"])
def test_neighbour_sum_from_equals_the_full_sum_and_fills_out(net, small_sum, monkeypatch):
    """Both ways of summing (scipy's sparse product, numpy's ordered scatter for a few
    terms) give the full sum bit for bit."""
    monkeypatch.setattr(graph_module, "SMALL_SUM", small_sum)
    nodes = np.flatnonzero(rng(6).random(net.n) < 0.3)
    values = rng(7).random((nodes.size, 3)).astype(np.float32)
    full = np.zeros((net.n, 3), dtype=np.float32)
    full[nodes] = values
    expected = net.neighbour_sum(full).T
    result = net.neighbour_sum_from(nodes, values)
    assert result.shape == (3, net.n) and result.flags.c_contiguous
    assert np.array_equal(result, expected)
    out = np.full((2, 3, net.n), np.nan, dtype=np.float32)
    net.neighbour_sum_from(nodes, values, out=out[1])
    assert np.array_equal(out[1], expected) and np.isnan(out[0]).all()


def test_complete_graph_matches_dense_all_ones_minus_identity():
    n = 9
    net = build_network("complete", n, rng())
    dense = np.ones((n, n)) - np.eye(n)
    values = rng(1).normal(size=(n, 2))
    np.testing.assert_allclose(net.neighbour_sum(values), dense @ values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(net.neighbour_sum(values[:, 0]), dense @ values[:, 0], atol=1e-12)
    np.testing.assert_allclose(net.neighbour_mean(values), dense @ values / (n - 1), atol=1e-12)
    assert net.n_edges == 36 and net.mean_degree == n - 1
    graph = net.to_networkx()
    assert graph.number_of_nodes() == n and graph.number_of_edges() == 36
    single = build_network("complete", 1, rng())
    assert single.neighbour_mean(np.array([5.0])).tolist() == [0.0]


# ----------------------------------------------------------------------------- Erdős–Rényi


def test_erdos_renyi_mean_degree_within_sampling_error():
    n, mean_degree = 20_000, 10
    net = build_network("erdos_renyi", n, rng(5), mean_degree=mean_degree)
    # Edge count M ~ Binomial(n(n-1)/2, p), so the mean degree 2M/n has standard error
    # 2 sqrt(N p (1-p)) / n; allow 4 of them.
    pairs = n * (n - 1) / 2
    p = mean_degree / (n - 1)
    se = 2 * np.sqrt(pairs * p * (1 - p)) / n
    assert abs(net.mean_degree - mean_degree) <= 4 * se


def test_erdos_renyi_dense_graphs_are_not_thinned():
    # n=30, p=25/29: collapsing the ~375 uniformly drawn pairs instead of resampling
    # repeats would leave a mean degree near 17.  Per graph the mean degree has
    # standard error 2 sqrt(N p (1-p)) / n ~ 0.48, so over 100 graphs ~ 0.048: allow 4.
    n, mean_degree, graphs = 30, 25, 100
    degrees = [
        build_network("erdos_renyi", n, rng(s), mean_degree=mean_degree).mean_degree
        for s in range(graphs)
    ]
    p = mean_degree / (n - 1)
    se = 2 * np.sqrt(n * (n - 1) / 2 * p * (1 - p)) / n / np.sqrt(graphs)
    assert abs(np.mean(degrees) - mean_degree) <= 4 * se
    full = build_network("erdos_renyi", n, rng(), mean_degree=n - 1)
    assert full.n_edges == n * (n - 1) // 2


# ----------------------------------------------------------------------------- Watts–Strogatz


def test_watts_strogatz_without_rewiring_is_the_ring_lattice():
    n, k = 200, 6
    net = build_network("watts_strogatz", n, rng(), mean_degree=7.4, rewire_prob=0)  # 7 -> 6
    assert np.all(net.degree == k)
    graph = net.to_networkx()
    assert nx.utils.edges_equal(graph.edges, nx.watts_strogatz_graph(n, k, 0).edges)
    assert nx.average_clustering(graph) == pytest.approx(3 * (k - 2) / (4 * (k - 1)))


def test_watts_strogatz_matches_networkx_clustering_and_degree():
    n, k, p, seeds = 2000, 10, 0.1, range(6)
    ours = [build_network("watts_strogatz", n, rng(s), mean_degree=k, rewire_prob=p) for s in seeds]
    theirs = [nx.watts_strogatz_graph(n, k, p, seed=s) for s in seeds]
    assert_same_mean(
        [nx.average_clustering(net.to_networkx()) for net in ours],
        [nx.average_clustering(graph) for graph in theirs],
    )
    # networkx keeps exactly n k / 2 edges; our simultaneous rewiring collapses a
    # rewired edge that lands on an existing one, each of the ~p n k / 2 rewired edges
    # with probability ~k / n, i.e. ~p k^2 / 2 = 5 lost edges per graph (Poisson, sd ~2.2).
    # Allow 5 + 4 * 2.2 lost edges on average -> mean degree deficit <= 2 * 14 / n.
    deficits = [k - net.mean_degree for net in ours]
    assert 0 <= np.mean(deficits) <= 2 * 14 / n


# ----------------------------------------------------------------------------- Barabási–Albert


def test_barabasi_albert_edge_count_matches_networkx():
    for n, mean_degree in [(300, 10), (50, 2), (6, 10)]:
        m = max(1, round(mean_degree / 2))
        net = build_network("barabasi_albert", n, rng(), mean_degree=mean_degree)
        # Seed star (m edges) + m distinct targets for each of the n - m - 1 later nodes;
        # the exact count also shows that no new node linked twice to the same target.
        reference = nx.barabasi_albert_graph(n, m, seed=0)
        assert net.n_edges == m * (n - m - 1) + m == reference.number_of_edges()


def test_barabasi_albert_degree_distribution_is_heavy_tailed_like_networkx():
    n, m, seeds = 3000, 5, range(8)
    ours = [build_network("barabasi_albert", n, rng(s), mean_degree=2 * m).degree for s in seeds]
    theirs = [
        np.array([d for _, d in nx.barabasi_albert_graph(n, m, seed=s).degree()]) for s in seeds
    ]
    for degree in ours:
        assert degree.max() > 8 * degree.mean()  # ~15x at n=3000; an ER graph gives ~2x
    # Share of hubs (degree >= 4m): ~7% under preferential attachment, ~0 for a
    # Poisson degree distribution with the same mean.
    assert_same_mean([np.mean(d >= 4 * m) for d in ours], [np.mean(d >= 4 * m) for d in theirs])
    assert_same_mean([np.log(d.max()) for d in ours], [np.log(d.max()) for d in theirs])


# ----------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("kind", RANDOM_KINDS)
def test_same_seed_same_graph_different_seed_different_graph(kind):
    first = build_network(kind, 1000, rng(11), mean_degree=6)
    again = build_network(kind, 1000, rng(11), mean_degree=6)
    other = build_network(kind, 1000, rng(12), mean_degree=6)
    assert same_graph(first, again)
    assert np.array_equal(first.adjacency.indices, again.adjacency.indices)
    assert not same_graph(first, other)


# ----------------------------------------------------------------------------- edge lists


def test_edge_list_round_trip(tmp_path):
    net = build_network("watts_strogatz", 300, rng(2), mean_degree=6)
    path = tmp_path / "edges.csv"
    write_edges(path, net)
    assert same_graph(read_edge_list(path, 300), net)
    assert same_graph(read_edge_list(str(path), 300), net)


def test_edge_list_formats(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text(
        "# customer friendships\n"
        "\n"
        "0 1\n"
        "  1\t2  0.5\n"
        "2,3,1.0\n"
        "3, 4  # inline comment\n"
        "   \n"
        "4 0\r\n"
        "5.0 0\n"
    )
    net = read_edge_list(path, 7)
    assert sorted(net.to_networkx().edges) == [(0, 1), (0, 4), (0, 5), (1, 2), (2, 3), (3, 4)]
    assert net.degree[6] == 0
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here\n")
    assert read_edge_list(empty, 3).n_edges == 0


@pytest.mark.parametrize(
    ("line", "n"),
    [
        ("a b", 10),  # not numbers
        ("4", 10),  # one id only
        ("1 2 3 4", 10),  # too many fields
        ("1.5 2", 10),  # not an integer
        ("-1 2", 10),  # negative id
        ("3 10", 10),  # id out of range
        ("nan 1", 10),
    ],
)
def test_edge_list_bad_line_names_file_and_line(tmp_path, line, n):
    path = tmp_path / "edges.csv"
    path.write_text(f"# header\n0 1\n\n2 3\n{line}\n5 6\n")
    with pytest.raises(NetworkFileError) as info:
        read_edge_list(path, n)
    message = str(info.value)
    expected = f"expected two integer node ids in [0, {n}) and an optional weight, got {line!r}"
    assert message == f"{path} line 5: {expected}"
    assert isinstance(info.value, ValueError)


def test_edge_list_missing_file(tmp_path):
    path = tmp_path / "missing.csv"
    with pytest.raises(NetworkFileError, match="missing.csv") as info:
        build_network("edge_list", 5, rng(), path=path)
    assert "\n" not in str(info.value)


def test_edge_list_kind_needs_path():
    with pytest.raises(ValueError, match="path"):
        build_network("edge_list", 5, rng())


# ----------------------------------------------------------------------------- networkx


def test_from_networkx_round_trip():
    graph = nx.karate_club_graph()
    net = from_networkx(graph)
    assert net.n == 34 and net.n_edges == graph.number_of_edges()
    assert nx.utils.edges_equal(net.to_networkx().edges, graph.edges)


def test_from_networkx_relabels_in_sorted_order():
    graph = nx.Graph([("c", "a"), ("b", "c"), ("d", "d")])
    net = from_networkx(graph)
    assert net.n == 4 and sorted(net.to_networkx().edges) == [(0, 2), (1, 2)]  # a=0 b=1 c=2 d=3
    with pytest.raises(ValueError, match="undirected"):
        from_networkx(nx.DiGraph([(0, 1)]))


# ----------------------------------------------------------------------------- arguments


def test_unknown_kind_lists_valid_kinds():
    with pytest.raises(ValueError, match="small_world") as info:
        build_network("small_world", 10, rng())
    assert all(kind in str(info.value) for kind in NETWORK_KINDS)


@pytest.mark.parametrize(
    ("kind", "n", "kwargs"),
    [
        ("erdos_renyi", 10, {"mean_degree": 9.5}),
        ("watts_strogatz", 10, {"mean_degree": 1}),
        ("watts_strogatz", 10, {"mean_degree": 10}),
        ("watts_strogatz", 10, {"rewire_prob": 1.5}),
        ("barabasi_albert", 5, {"mean_degree": 10}),
        ("complete", 0, {}),
        ("complete", 10, {"mean_degree": -1}),
    ],
)
def test_impossible_parameters_raise(kind, n, kwargs):
    with pytest.raises(ValueError):
        build_network(kind, n, rng(), **kwargs)


def test_rng_must_be_a_generator():
    with pytest.raises(TypeError, match="Generator"):
        build_network("erdos_renyi", 10, 42, mean_degree=2)
