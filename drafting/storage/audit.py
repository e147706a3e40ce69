"""The audit log: who did what and when, for the administrators of a shared installation.

Repositories record inside their own transaction, so an action and its log line commit together.
Secrets never go into a detail: callers describe changes, not values.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting.access import Actor
from drafting.storage.database import Database
from drafting.storage.errors import PermissionDenied
from drafting.storage.models import NAME_LENGTH, AuditEntry

_DETAIL_LENGTH = 1000


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    user_name: str
    unit_name: str
    action: str
    detail: str


def record(session: Session, actor: Actor, action: str, detail: str = "", at: datetime | None = None) -> None:
    """One line of the log; `at` when the caller keeps its own clock (sign-ins replay failures by it)."""
    session.add(
        AuditEntry(
            user_name=actor.name[:NAME_LENGTH],
            unit_name=actor.unit_name[:NAME_LENGTH],
            action=action[:NAME_LENGTH],
            detail=detail[:_DETAIL_LENGTH],
            **({"at": at} if at is not None else {}),
        )
    )
    session.flush()  # a later query in the same transaction (the sign-in replay) sees this line


def audit(db: Database, actor: Actor, action: str, detail: str = "") -> None:
    """Log an action that happened outside the repositories (e.g. an export)."""
    with db.transaction() as session:
        record(session, actor, action, detail)


def audit_log(db: Database, actor: Actor, limit: int = 200) -> list[AuditRecord]:
    """The newest entries first; administrators only."""
    if not actor.is_admin:
        raise PermissionDenied("只有管理员可以查看操作日志。")
    with db.reading() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
        return [AuditRecord(r.at, r.user_name, r.unit_name, r.action, r.detail) for r in rows]


def quoted(title: str, limit: int = 60) -> str:
    """A title shortened for a log line."""
    return f"“{title[:limit]}{'…' if len(title) > limit else ''}”"
