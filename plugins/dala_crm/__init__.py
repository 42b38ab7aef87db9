"""CRM: leads, quotes and follow-ups before a job exists (a Dala plug-in)."""
