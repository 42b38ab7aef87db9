"""Scheduling: the dispatch board, calendar and map, and route optimisation (a Dala plug-in)."""
