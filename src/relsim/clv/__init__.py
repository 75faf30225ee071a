"""Customer-lifetime-value export: relsim's logs in the shape CLV libraries read, with the truth.

CLV libraries (``lifetimes``, PyMC-Marketing's ``clv`` module) read a transaction log of
(customer id, date, amount) rows.  relsim's ``transactions`` table lacks three things they
need, and gives a silently wrong answer without them:

* **dates** -- integer steps passed as the date column are read as nanoseconds since 1970,
  and every customer gets frequency = recency = T = 0.  Here step ``t`` is dated
  ``start + t * period`` (step 0, the start of observation, is ``start``), so with weekly
  steps and ``freq="W"`` the libraries count steps;
* **keys** -- customer ids are model-wide: one customer buys from several firms, and ids
  repeat across replications and variants.  ``customer_id`` is
  ``"<variant>/<replication>/<firm>/<customer>"`` (no variant part outside a comparison):
  one CLV customer per firm, replication and variant;
* **left truncation** -- the initial customer base was acquired before week 0
  (relationships with ``start == 0``), so its first purchase in the log is not its first
  purchase.  ``left_censored`` flags these customers; ``drop_left_censored=True`` drops them.

What no CLV library has is the truth: :func:`clv_truth` gives each relationship's true
start, end (or censoring at the horizon) and how it ended, and :func:`clv_weekly_truth`
each customer's true purchase probability and churn hazard in every week of a relationship
(recorded on request: ``record.truth``), so a CLV model's P(alive) and predicted purchases
can be scored against what happened (:func:`alive_at`, :func:`clv_scores`; docs/clv.md).

``relsim export-clv RUN_DIR --out FILE`` does the same from the tables of a ``relsim run``
(:mod:`relsim.clv.cli`).
"""

from relsim.lazy import exports

_NAMES = {
    **{name: "relsim.clv.cli" for name in ("RunTables", "add_parser", "command_export_clv",
                                            "read_run_tables")},
    **{name: "relsim.clv.export" for name in (
        "DEFAULT_PERIOD", "DEFAULT_START", "ENDED_BY", "ClvInputError", "clv_transactions",
        "clv_truth", "clv_weekly_truth", "customer_keys", "step_dates")},
    "alive_at": "relsim.clv.scoring", "clv_scores": "relsim.clv.scoring",
}
__getattr__, __dir__ = exports(__name__, _NAMES)
__all__ = sorted(_NAMES)
