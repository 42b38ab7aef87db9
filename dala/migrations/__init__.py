"""Alembic migrations of the core schema (plug-ins bring their own branches)."""
