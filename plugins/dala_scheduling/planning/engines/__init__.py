"""Solver engines behind the :class:`~dala_scheduling.planning.problem.Planner` interface.

Each engine turns an indexed problem into visit sequences per technician
(``sequences``) and, as a ``Planner``, into a checked plan (``plan``); the
planner in ``planner.py`` picks between them per problem.
"""
