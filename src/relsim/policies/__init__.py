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

Each kind lives in its own module with its parameters (a pydantic config) and
its hooks (see :mod:`relsim.policies.base`).
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from relsim.policies.base import Encounter, Policy, PolicyConfig
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


def build_policy(firm, config: PolicyConfig, position: int = 0) -> Policy:
    """The runtime component for the ``position``-th configured policy of a firm."""
    return POLICY_CLASSES[config.kind](firm, config, position)


__all__ = ["POLICY_CLASSES", "AnyPolicyConfig", "Encounter", "Policy", "PolicyConfig",
           "build_policy"]
