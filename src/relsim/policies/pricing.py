"""Pricing: list price, price changes and new-customer-only discounts.

A discount for newcomers wins customers, but existing customers who hear from
peers that newcomers pay less judge their own price unfair (Xia, Monroe &
Cox 2004; Anderson & Simester 2010: customers who later see a lower price
react against the firm).  A price change mid-run is a pricing policy with a
``start`` step; raising the price above customers' reference price lowers
their price fairness (Kalyanaram & Winer 1995).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from relsim.params import P
from relsim.policies.base import Context, Encounter, Policy, PolicyConfig


class PricingConfig(PolicyConfig):
    """List price and newcomer discounts while the policy runs."""

    kind: Literal["pricing"] = "pricing"
    price: float | None = P(None, 0.01, 1e6, unit="currency per purchase",
                            doc="list price while active (none: keep the firm's price)")
    new_customer_discount: float = P(0.0, 0.0, 0.95, unit="share of price",
                                     doc="discount for customers in their first weeks",
                                     source="Xia, Monroe & Cox 2004")
    new_customer_weeks: int = P(8, 1, 520, unit="weeks",
                                doc="how long a new customer keeps the discount")
    advertise_discount: bool = P(True, doc="prospects and rivals' customers see the deal "
                                 "(it lowers the price in their choice)")


def new_customer_price(price: float, tenure: np.ndarray, discount: float, weeks: int
                       ) -> np.ndarray:
    """Price a customer pays: discounted while tenure < weeks, the list price afterwards."""
    return np.where(tenure < weeks, price * (1.0 - discount), price)


class Pricing(Policy):
    """Set the list price and discount it for newcomers."""

    kind = "pricing"
    config_class = PricingConfig

    def begin_week(self, ctx: Context) -> None:
        """Set the list price and advertise the newcomer deal."""
        if self.config.price is not None:
            ctx.offer.price = self.config.price
        if self.config.advertise_discount:
            ctx.offer.newcomer_discount = self.config.new_customer_discount

    def before_encounters(self, ctx: Context, enc: Encounter) -> None:
        """The firm's customers pay the newcomer price in their first weeks."""
        idx = ctx.mine_idx
        enc.price_paid[idx] = new_customer_price(ctx.offer.price, ctx.customers.tenure[idx],
                                                 self.config.new_customer_discount,
                                                 self.config.new_customer_weeks)
