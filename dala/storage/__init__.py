"""Encryption at rest (key hierarchy, encrypted values, blind indexes), files and backups."""
