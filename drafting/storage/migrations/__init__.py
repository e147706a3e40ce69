"""Alembic migrations of the storage schema, run from code by `drafting.storage.database.upgrade_to_head`."""
