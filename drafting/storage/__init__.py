"""The database behind the multi-user office service: drafts, imported reports, settings, audit log.

Open it once per process with `open_database(url)`; the repositories take the Database and an Actor.
"""

from drafting.storage.actor import Actor
from drafting.storage.audit import audit, audit_log
from drafting.storage.database import Database, open_database, resolve_database_url
from drafting.storage.drafts import DraftRepository
from drafting.storage.errors import ConflictError, PermissionDenied, StorageUnavailable
from drafting.storage.legacy import import_legacy_sqlite, migrate_legacy_file
from drafting.storage.reports import ReportRepository
from drafting.storage.secrets import SecretBox, SettingsRepository

__all__ = [
    "Actor",
    "ConflictError",
    "Database",
    "DraftRepository",
    "PermissionDenied",
    "ReportRepository",
    "SecretBox",
    "SettingsRepository",
    "StorageUnavailable",
    "audit",
    "audit_log",
    "import_legacy_sqlite",
    "migrate_legacy_file",
    "open_database",
    "resolve_database_url",
]
