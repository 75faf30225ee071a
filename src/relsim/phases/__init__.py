"""The phases of a week, in step order, each a function of the model's state.

:meth:`relsim.model.RelationshipModel.step` calls them in this order (ODD 3,
process overview), through :func:`relsim.phases.week.customer_phases`: firms act
(policies), then

1. :func:`~relsim.phases.churn_and_return.churn_and_return` -- churn, switching, win-back;
2. :func:`~relsim.phases.adoption.adopt` -- Bass adoption and advertising reach;
3. :func:`~relsim.phases.encounters.encounters` -- purchases and service encounters;
4. :func:`~relsim.phases.attitudes.update_attitudes` -- fairness, dependence, commitment;
5. :func:`~relsim.phases.lifecycle.advance_lifecycle` -- stages, baskets, tenure;
6. :func:`~relsim.phases.word_of_mouth.word_of_mouth_phase` -- talking and listening.

Beside them: :mod:`~relsim.phases.outlook` (the start-of-week utilities, switching costs
and churn hazards the phases share), :mod:`~relsim.phases.relationships` (starting and
ending relationships), :mod:`~relsim.phases.accounts` (what firms observe, lifetime values)
and :mod:`~relsim.phases.listening` (the neighbour sums).  Each phase works on the
:class:`~relsim.phases.market.Market` protocol, which the model satisfies.
"""
