"""The database behind the multi-user office service: drafts, imported reports, settings, audit log.

Open it once per process with `open_database(url)`; the repositories take the Database and an Actor.
Names load on first use, so importing one of them does not load SQLAlchemy and Alembic until needed.
"""

from drafting.lazy import lazy_exports

_EXPORTS = {
    "ConflictError": "drafting.storage.errors",
    "Database": "drafting.storage.database",
    "DraftRepository": "drafting.storage.drafts",
    "PermissionDenied": "drafting.storage.errors",
    "ReportRepository": "drafting.storage.reports",
    "SecretBox": "drafting.storage.secrets",
    "SettingsRepository": "drafting.storage.secrets",
    "StorageUnavailable": "drafting.storage.errors",
    "import_legacy_sqlite": "drafting.storage.legacy",
    "migrate_legacy_file": "drafting.storage.legacy",
    "open_database": "drafting.storage.database",
    "resolve_database_url": "drafting.storage.database",
}
__all__ = list(
    _EXPORTS
)  # audit() lives in drafting.storage.audit: a package attribute of that name is the submodule

__getattr__ = lazy_exports(_EXPORTS)
