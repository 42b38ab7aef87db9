"""Acme Warranty Tracker: records a warranty registration for every completed job.

An example of a separately installed Dala plug-in (see README.md).
"""
