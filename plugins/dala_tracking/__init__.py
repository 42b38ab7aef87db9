"""Tracking: technicians' live positions and arrival times (a Dala plug-in)."""
