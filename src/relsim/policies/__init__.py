"""Retention policies: the levers a firm can pull, each a self-contained component.

List them under a firm in a scenario::

    firms:
      - name: A
        policies:
          - kind: loyalty
            points_per_currency: 10
            stop: 40          # withdrawn at week 40
          - kind: transparency
            notice_prob: 0.9

Each kind lives in its own module with its parameters (a pydantic config), the
customer columns it owns and its hooks; a policy sees the model only through
the narrow :class:`~relsim.policies.base.Context` (see :mod:`relsim.policies.base`).
"""

from __future__ import annotations

from typing import Annotated, Union

import numpy as np
from pydantic import Field

from relsim.policies.base import Column, Context, Encounter, Policy, PolicyConfig
from relsim.policies.brand_status import BrandStatus
from relsim.policies.communication import Communication
from relsim.policies.community import Community
from relsim.policies.complaint_handling import ComplaintHandling
from relsim.policies.guarantee import Guarantee
from relsim.policies.loyalty import Loyalty
from relsim.policies.pricing import Pricing
from relsim.policies.promise import Promise
from relsim.policies.pruning import Pruning
from relsim.policies.referral import Referral
from relsim.policies.retention_offers import RetentionOffers
from relsim.policies.service_quality import ServiceQuality
from relsim.policies.transparency import Transparency

POLICY_CLASSES: dict[str, type[Policy]] = {cls.kind: cls for cls in (
    ServiceQuality, Promise, Transparency, ComplaintHandling, Communication, Loyalty, Guarantee,
    Pricing, RetentionOffers, Referral, Community, BrandStatus, Pruning)}
"""Every policy kind, by name."""

AnyPolicyConfig = Annotated[
    Union[tuple(cls.config_class for cls in POLICY_CLASSES.values())],  # noqa: UP007
    Field(discriminator="kind"),
]
"""A policy configuration of any kind, told apart by its ``kind`` field."""


def build_policy(config: PolicyConfig, rng: np.random.Generator) -> Policy:
    """The runtime component of a configured policy, drawing from its own stream ``rng``."""
    return POLICY_CLASSES[config.kind](config, rng)


def policy_columns(configs: list[PolicyConfig]) -> dict[str, Column]:
    """The customer columns the kinds of these policies own, by name."""
    return {name: column for kind in dict.fromkeys(c.kind for c in configs)
            for name, column in POLICY_CLASSES[kind].columns.items()}


__all__ = ["POLICY_CLASSES", "AnyPolicyConfig", "Column", "Context", "Encounter", "Policy",
           "PolicyConfig", "build_policy", "policy_columns"]
