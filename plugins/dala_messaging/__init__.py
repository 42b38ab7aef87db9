"""Messaging: customer notifications and two-way SMS (a Dala plug-in)."""
