"""The audit log: who did what and when, for the administrators of a shared installation.

Repositories record inside their own transaction, so an action and its log line commit together.
Secrets never go into a detail: callers describe changes, not values.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
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


def audit(db: Database, actor: Actor, action: str, detail: str = "") -> None:
    """Log an action that happened outside the repositories (e.g. an export)."""
    with db.transaction() as session:
        record(session, actor, action, detail)


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show: a flood of anonymous sign-in attempts must not hide the genuine ones."""

    user: str = ""  # part of the user name
    action: str = ""  # one action, as logged ("登录失败"); "" for all
    since: datetime | None = None
    until: datetime | None = None  # exclusive

    def clauses(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.user.strip():
            found.append(AuditEntry.user_name.contains(self.user.strip(), autoescape=True))
        if self.action:
            found.append(AuditEntry.action == self.action)
        if self.since is not None:
            found.append(AuditEntry.at >= self.since)
        if self.until is not None:
            found.append(AuditEntry.at < self.until)
        return found


EVERYTHING = AuditFilter()


def audit_log(
    db: Database, actor: Actor, limit: int = 200, offset: int = 0, where: AuditFilter = EVERYTHING
) -> list[AuditRecord]:
    """The newest matching entries first, one page of them; administrators only."""
    _require_admin(actor)
    with db.reading() as session:
        query = select(AuditEntry).where(*where.clauses()).order_by(AuditEntry.id.desc())
        rows = session.scalars(query.offset(offset).limit(limit))
        return [AuditRecord(r.at, r.user_name, r.unit_name, r.action, r.detail) for r in rows]


def audit_count(db: Database, actor: Actor, where: AuditFilter = EVERYTHING) -> int:
    _require_admin(actor)
    with db.reading() as session:
        return session.scalar(select(func.count(AuditEntry.id)).where(*where.clauses())) or 0


def audit_actions(db: Database, actor: Actor) -> list[str]:
    """The actions the log holds, for the filter's choices."""
    _require_admin(actor)
    with db.reading() as session:
        return sorted(session.scalars(select(AuditEntry.action).distinct()))


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("只有管理员可以查看操作日志。")


def quoted(title: str, limit: int = 60) -> str:
    """A title shortened for a log line."""
    return f"“{title[:limit]}{'…' if len(title) > limit else ''}”"
