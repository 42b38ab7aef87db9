"""Offline sync for the technician app: push (mutations), pull (changes), blobs, conflicts.

See ``docs/sync-protocol.md``.
"""
