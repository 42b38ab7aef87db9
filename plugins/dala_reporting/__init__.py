"""Reporting: dashboards and job profitability (a Dala plug-in)."""
