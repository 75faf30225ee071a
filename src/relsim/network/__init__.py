"""Social networks between customers: the store, the generators and edge-list files.

* :mod:`relsim.network.graph` -- :class:`SocialNetwork`, one symmetric sparse adjacency;
* :mod:`relsim.network.generators` -- :func:`build_network` for every kind in
  :data:`NETWORK_KINDS` (complete, Erdős–Rényi, Watts–Strogatz, Barabási–Albert,
  edge list) and :func:`check_network_parameters`;
* :mod:`relsim.network.edgelist` -- edge-list files, read once per process.
"""

from relsim.network.edgelist import (
    NetworkFileError,
    edge_list_digest,
    load_edge_list,
    read_edge_list,
)
from relsim.network.generators import NETWORK_KINDS, build_network, check_network_parameters
from relsim.network.graph import SocialNetwork, from_networkx

__all__ = [
    "NETWORK_KINDS",
    "NetworkFileError",
    "SocialNetwork",
    "build_network",
    "check_network_parameters",
    "edge_list_digest",
    "from_networkx",
    "load_edge_list",
    "read_edge_list",
]
