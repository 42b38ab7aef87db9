"""Dala: multi-tenant field service management platform (core package)."""

from dala.app import create_app

__all__ = ["create_app"]
