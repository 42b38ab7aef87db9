"""Day planning: the problem, the plan, travel models and the solver engines behind one interface.

Nothing in this package touches the database or Flask: the scheduling services
build a :class:`~dala_scheduling.planning.problem.Problem` from the branch's
technicians and jobs, call :func:`~dala_scheduling.planning.planner.plan`, and
turn the :class:`~dala_scheduling.planning.problem.Plan` back into schedules.
The benchmarks in ``bench/`` go through the same entry point.
"""
