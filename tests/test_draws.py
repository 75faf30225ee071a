"""The week's block of random numbers (relsim.draws) and advertising reach.

Statistical checks use a significance level of 1e-6 per test (Kolmogorov-Smirnov,
binomial), or 5 standard errors for moments, so a correct generator fails one
of them with negligible probability; a wrong conversion (off by a factor, a
shifted or truncated range, correlated rows) fails them by a wide margin at
these sample sizes.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from relsim import RelationshipModel
from relsim.draws import Uniforms, WeekDraws
from relsim.phases.adoption import reached

N = 200_000
ALPHA = 1e-6


@pytest.fixture(scope="module")
def block() -> WeekDraws:
    return WeekDraws.draw(np.random.default_rng(11), 4, N)


def test_uniforms_are_uniform_on_the_unit_interval(block):
    everyone = np.arange(N)
    for row in range(3):
        u = block[row, everyone]
        assert u.dtype == np.float64 and u.min() >= 0.0 and u.max() < 1.0
        assert stats.kstest(u, "uniform").pvalue > ALPHA


def test_normals_are_standard_normal(block):
    z = block.normal(3, np.arange(N))
    assert np.isfinite(z).all() and np.abs(z).max() < 6.3  # the midpoint rule bounds them
    assert abs(z.mean()) < 5 / np.sqrt(N)
    assert abs(z.var() - 1.0) < 5 * np.sqrt(2 / N)
    assert stats.kstest(z, "norm").pvalue > ALPHA


def test_rows_are_uncorrelated(block):
    everyone = np.arange(N)
    rows = np.array([block[row, everyone] for row in range(3)])
    correlation = np.corrcoef(rows)
    off_diagonal = correlation[~np.eye(3, dtype=bool)]
    assert np.abs(off_diagonal).max() < 5 / np.sqrt(N)  # sd of a null correlation: 1/sqrt(N)


def test_a_customer_reads_the_same_number_whoever_else_is_read(block):
    """Common random numbers: the value for customer i does not depend on the index set."""
    few = np.array([3, 17, 99_999])
    assert np.array_equal(block[1, few], block[1, np.arange(N)][few])
    assert np.array_equal(block.normal(3, few), block.normal(3, np.arange(N))[few])
    mask = np.zeros(N, dtype=bool)
    mask[few] = True  # a mask selects the same customers as their indices
    assert np.array_equal(block[1, mask], block[1, few])


def test_same_generator_state_gives_the_same_block():
    a = WeekDraws.draw(np.random.default_rng(5), 14, 1000)
    b = WeekDraws.draw(np.random.default_rng(5), 14, 1000)
    assert np.array_equal(a.bits, b.bits)
    assert not np.array_equal(a.bits[0], a.bits[1])


def test_an_odd_number_of_rows_is_refused():
    with pytest.raises(ValueError, match="even"):
        WeekDraws.draw(np.random.default_rng(0), 3, 10)


def test_advertising_reach_is_one_bernoulli_draw_per_customer():
    """reached: binomial count within its sampling error, increasing distinct indices, uniform spread."""
    model = RelationshipModel(n_customers=50_000, rng=4)
    p, weeks = 0.03, 20
    counts, positions = [], []
    for _ in range(weeks):
        idx = reached(model.dynamics_rng, model.customers.n, p)
        assert np.all(np.diff(idx) > 0) and idx.min() >= 0 and idx.max() < 50_000
        counts.append(idx.size)
        positions.append(idx)
    total = sum(counts)
    # the total over the weeks is Binomial(weeks * n, p): two-sided exact test
    assert stats.binomtest(total, weeks * 50_000, p).pvalue > ALPHA
    # who is reached is uniform over the customers
    assert stats.kstest(np.concatenate(positions) / 50_000, "uniform").pvalue > ALPHA
    rng = model.dynamics_rng
    assert reached(rng, 50_000, 0.0).size == 0 and reached(rng, 50_000, 1.0).size == 50_000


@pytest.mark.parametrize("sizes", [[4, 6, 8], [5, 6, 7, 3, 2, 1, 9], [1, 1, 1, 2], [0, 3, 0, 4]])
def test_policy_uniforms_are_numpys_float32_uniforms(sizes):
    """Uniforms.draw gives exactly rng.random(n, float32), odd sizes (numpy's buffered 32-bit
    half) included, and leaves the generator where numpy would."""
    ours, numpys = np.random.default_rng(5), np.random.default_rng(5)
    for n in sizes:
        expected = numpys.random(n, dtype=np.float32)
        uniforms = Uniforms.draw(ours, n)
        assert len(uniforms) == n
        assert np.array_equal(uniforms[np.arange(n)], expected)
        mask = expected < 0.5
        assert np.array_equal(uniforms[mask], expected[mask])
    assert ours.random() == numpys.random()


def test_policy_uniforms_of_a_generator_without_a_32_bit_buffer():
    ours, numpys = (np.random.Generator(np.random.MT19937(3)) for _ in range(2))
    for n in (3, 4, 5):
        assert np.array_equal(Uniforms.draw(ours, n)[np.arange(n)],
                              numpys.random(n, dtype=np.float32))
