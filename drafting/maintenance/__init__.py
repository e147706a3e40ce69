"""Keeping the data sound under faults: `drafting doctor` checks and repairs, automatic draft backups.

Submodules are imported where used.
"""
