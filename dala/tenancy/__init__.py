"""Tenants, branches, the current-tenant context, automatic scoping and row-level security."""
