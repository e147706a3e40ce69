"""Keeping the data sound under faults: `drafting doctor` checks and repairs, automatic draft backups.

Submodules are imported where used; `sqlite_files` stays free of other drafting imports so the index
can use it.
"""
