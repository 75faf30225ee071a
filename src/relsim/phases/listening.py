"""What each customer's neighbours are and say, per firm: the sums word of mouth, adoption
and price fairness read, kept between weeks."""

from __future__ import annotations

from typing import Any

import numpy as np


class Listening:
    """Neighbour sums per firm (firm-major, shape (firms, customers)), from the last call of
    :meth:`listen`: ``members`` (customers of each firm among the neighbours), ``positive``
    and ``negative`` talkers about each firm, their sum ``count``, and ``talk_price`` (the
    sum of the prices the talkers said they pay)."""

    def __init__(self) -> None:
        self.heard: dict[str, np.ndarray] = {}
        self._members: np.ndarray | None = None
        self._members_firm: np.ndarray | None = None

    def listen(self, model: Any) -> dict[str, np.ndarray]:
        """This week's sums (kept as :attr:`heard`).

        Only the rows that can be non-zero take part (this week's talkers about firm f for
        firm f's columns): the same sums as one product over all customers, at a fraction
        of its cost.
        """
        c, ev, n_f = model.customers, model.events, model.n_firms
        talkers = np.flatnonzero(ev.talked_about >= 0)
        about, positive = ev.talked_about[talkers], ev.positive[talkers]
        heard = np.empty((3, n_f, c.n), dtype=np.float32)  # positive, negative, price
        for f in range(n_f):  # talkers about firm f: each adds to firm f's sums only
            nodes = talkers[about == f]
            said = np.empty((nodes.size, 3), dtype=np.float32)
            said[:, 0] = positive[about == f]
            said[:, 1] = ~positive[about == f]
            # every talker tells the unit price it pays (or last paid, if it has left)
            said[:, 2] = c.price_paid[nodes]
            model.network.neighbour_sum_from(nodes, said, out=heard[:, f])
        self.heard = {"members": self._neighbour_members(model), "positive": heard[0],
                      "negative": heard[1], "count": heard[0] + heard[1],
                      "talk_price": heard[2]}
        return self.heard

    def _neighbour_members(self, model: Any) -> np.ndarray:
        """Customers of each firm among each customer's neighbours, shape (firms, customers).

        The first call sums over all customers in a relationship; later calls add the
        change since the previous call (-1 at the old firm, +1 at the new one) for the
        customers whose firm changed.  The counts are small integers, exact in float32, so
        the result equals a fresh sum.
        """
        c, n_f, network = model.customers, model.n_firms, model.network
        before = self._members_firm
        if before is None:
            nodes = np.flatnonzero(c.firm >= 0)
            values = np.zeros((nodes.size, n_f), dtype=np.float32)
            values[np.arange(nodes.size), c.firm[nodes]] = 1.0
            self._members = network.neighbour_sum_from(nodes, values)
        else:
            nodes = np.flatnonzero(c.firm != before)
            if nodes.size:
                old, new = before[nodes], c.firm[nodes]
                values = np.zeros((nodes.size, n_f), dtype=np.float32)
                rows = np.arange(nodes.size)
                values[rows[old >= 0], old[old >= 0]] = -1.0
                values[rows[new >= 0], new[new >= 0]] += 1.0
                self._members += network.neighbour_sum_from(nodes, values)
        self._members_firm = c.firm.copy()
        return self._members
