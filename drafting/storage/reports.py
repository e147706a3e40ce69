"""Reports users imported as examples, kept per unit; an administrator may publish one to every unit.

A member only ever sees their own unit's reports plus published ones. The bundled examples are
files shipped with the program and are not stored here.
"""

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session

from drafting.access import Actor
from drafting.errors import UserError
from drafting.storage.audit import quoted, record
from drafting.storage.database import Database
from drafting.storage.errors import PermissionDenied
from drafting.storage.models import ReportRow, SettingRow, Unit


@dataclass(frozen=True)
class StoredReport:
    id: str
    unit_id: int | None
    unit_name: str | None
    published: bool
    title: str
    meta: dict[str, Any]
    body: str
    source: str
    created_at: datetime


@dataclass(frozen=True)
class ReportListing:
    """A stored report as a list shows it: no body. Remembered and shared between page runs, so its
    description is read-only."""

    id: str
    unit_id: int | None
    title: str
    meta: Mapping[str, Any]


IMPORTED_PREFIX = "user-"
# A settings row given a new random value with every report added, re-described or removed, in the same
# transaction: the fingerprint then reads it and the number of reports, not every report (62 ms at 5,000
# reports, asked on every 起草 run). Random, not a counter, so a restored backup never repeats a value seen
# after it was taken; the count still moves when a program older than the row adds or removes a report.
REVISION_KEY = "reports_revision"


def report_id_for(unit_id: int | None, body: str) -> str:
    """Same text imported again by the same unit is the same report; other units get their own copy.

    Without a unit (single-user mode) this is the id the file-based corpus gave the same text.
    """
    key = body if unit_id is None else f"{unit_id}\n{body}"
    return IMPORTED_PREFIX + hashlib.sha1(key.encode()).hexdigest()[:10]


def is_imported_id(report_id: str) -> bool:
    """An id this repository gives (a user's import), not a bundled example's."""
    return report_id.startswith(IMPORTED_PREFIX)


def not_found(report_id: str) -> UserError:
    return UserError(
        f"范文库里没有编号为“{report_id[:64]}”的范文，或您没有查看权限。请在范文列表中重新选择。"
    )


class ReportRepository:
    def __init__(self, db: Database):
        self.db = db

    def add(
        self,
        actor: Actor,
        title: str,
        meta: dict[str, Any],
        body: str,
        source: str,
        *,
        unit_id: int | None = None,
        report_id: str = "",
    ) -> StoredReport:
        """Store a report for the actor's unit (an admin may name another); `meta["id"]` is set to its id.

        Importing the same text again updates title, meta and source and keeps it published or not.
        `report_id` keeps the id an earlier version gave a report file (drafts cite it as a source).
        """
        unit_id = actor.unit_id if unit_id is None else unit_id
        if unit_id != actor.unit_id and not actor.is_admin:
            raise PermissionDenied("只能把范文导入到自己的单位。")
        report_id = report_id or report_id_for(unit_id, body)
        meta = {**meta, "id": report_id}
        with self.db.transaction() as session:
            row = session.get(ReportRow, report_id)
            if row is None:
                row = ReportRow(id=report_id, unit_id=unit_id, published=False, body=body)
                session.add(row)
            elif (row.unit_id, row.body) != (unit_id, body):  # another unit's report, or a different text
                raise UserError(
                    "范文库里已有一篇编号相同的其他范文，这次导入没有保存。"
                    "请在文件里稍作改动（例如加一行说明）后重新导入。"
                )
            if (row.title, row.meta, row.source) != (title, meta, source):
                row.title, row.meta, row.source = title, meta, source
                self._changed(session)
            record(session, actor, "导入范文", f"{report_id} {quoted(title)}")
            session.flush()
            return _stored(row, session.get(Unit, unit_id) if unit_id is not None else None)

    def units_of(self, report_ids: set[str]) -> dict[str, int | None]:
        """The unit of each of these reports that still exists (a removed one is absent)."""

        def read() -> dict[str, int | None]:
            with self.db.reading() as session:
                rows = session.execute(
                    select(ReportRow.id, ReportRow.unit_id).where(ReportRow.id.in_(report_ids))
                )
                return {report_id: unit_id for report_id, unit_id in rows}

        return dict(self.db.remembered(("report units", frozenset(report_ids)), read))

    def list_all(self) -> list[StoredReport]:
        """Every unit's reports, for the index (search filters them per user); never shown as a list."""
        with self.db.reading() as session:
            found = session.execute(
                select(ReportRow, Unit)
                .outerjoin(Unit, Unit.id == ReportRow.unit_id)
                .order_by(ReportRow.created_at, ReportRow.id)
            ).all()
        return [_stored(row, unit) for row, unit in found]

    def published_ids(self) -> frozenset[str]:
        def read() -> frozenset[str]:
            with self.db.reading() as session:
                return frozenset(session.scalars(select(ReportRow.id).where(ReportRow.published.is_(True))))

        return self.db.remembered("published report ids", read)

    def fingerprint(self) -> str:
        """Changes whenever a report is added, removed or re-described (not when it is published or not).
        A database no report has changed in since the revision was introduced, or one rebuilt by
        `drafting doctor --repair`, has none: its reports are digested instead, until the next change."""
        return self.db.remembered("report fingerprint", self._fingerprint_now)

    def _fingerprint_now(self) -> str:
        revision = select(SettingRow.value).where(SettingRow.key == REVISION_KEY).scalar_subquery()
        count = select(func.count()).select_from(ReportRow).scalar_subquery()
        with self.db.reading() as session:
            known, reports = session.execute(select(revision, count)).one()
            if known is not None:
                return f"{known}-{reports}"
            digest = hashlib.sha1()
            rows = session.execute(
                select(ReportRow.id, ReportRow.unit_id, ReportRow.title, ReportRow.source).order_by(
                    ReportRow.id
                )
            )
            for row in rows:
                digest.update(f"{row.id}\0{row.unit_id}\0{row.title}\0{row.source}\n".encode())
        return digest.hexdigest()

    def listings(self, actor: Actor) -> list[ReportListing]:
        """The actor's unit's reports and the published ones, oldest first, without their bodies: 范文库 and
        the 起草 form list them on every run."""

        def read() -> tuple[ReportListing, ...]:
            with self.db.reading() as session:
                found = session.execute(
                    select(ReportRow.id, ReportRow.unit_id, ReportRow.title, ReportRow.meta)
                    .where(_visible_to(actor))
                    .order_by(ReportRow.created_at, ReportRow.id)
                ).all()
            return tuple(
                ReportListing(row.id, row.unit_id, row.title, MappingProxyType(dict(row.meta)))
                for row in found
            )

        return list(self.db.remembered(("report listings", actor), read))

    def get(self, report_id: str, actor: Actor) -> StoredReport:
        with self.db.reading() as session:
            row, unit = self._visible_row(session, report_id, actor)
            return _stored(row, unit)

    def remove(self, report_id: str, actor: Actor) -> StoredReport:
        """Delete a report: members only their unit's unpublished ones; returns it so the index can drop it."""
        with self.db.transaction() as session:
            row, unit = self._visible_row(session, report_id, actor)
            if not actor.is_admin:
                if row.unit_id != actor.unit_id:
                    raise PermissionDenied("这是其他单位发布的范文，只能查看，不能删除。")
                if row.published:
                    raise PermissionDenied("这篇范文已发布给所有单位，只有管理员可以删除。")
            removed = _stored(row, unit)
            session.delete(row)
            self._changed(session)
            record(session, actor, "删除范文", f"{report_id} {quoted(row.title)}")
            return removed

    def publish(self, report_id: str, actor: Actor, published: bool = True) -> None:
        """Make a report visible to every unit (or withdraw it); administrators only."""
        if not actor.is_admin:
            raise PermissionDenied("只有管理员可以发布范文或取消发布。")
        with self.db.transaction() as session:
            row, _ = self._visible_row(session, report_id, actor)
            row.published = published
            record(
                session,
                actor,
                "发布范文" if published else "取消发布范文",
                f"{report_id} {quoted(row.title)}",
            )

    def _changed(self, session: Session) -> None:
        revision = uuid.uuid4().hex
        upsert = self.db.insert(SettingRow).values(key=REVISION_KEY, value=revision, encrypted=False)
        session.execute(
            upsert.on_conflict_do_update(index_elements=[SettingRow.key], set_={"value": revision})
        )

    def _visible_row(self, session: Session, report_id: str, actor: Actor) -> tuple[ReportRow, Unit | None]:
        found = session.execute(
            select(ReportRow, Unit)
            .outerjoin(Unit, Unit.id == ReportRow.unit_id)
            .where(ReportRow.id == report_id, _visible_to(actor))
        ).first()
        if found is None:
            raise not_found(report_id)
        row, unit = found
        return row, unit


def _visible_to(actor: Actor) -> ColumnElement[bool]:
    if actor.is_admin:
        return true()
    own_unit = false() if actor.unit_id is None else ReportRow.unit_id == actor.unit_id
    return or_(own_unit, ReportRow.published.is_(True))


def _stored(row: ReportRow, unit: Unit | None) -> StoredReport:
    return StoredReport(
        id=row.id,
        unit_id=row.unit_id,
        unit_name=unit.name if unit else None,
        published=row.published,
        title=row.title,
        meta=dict(row.meta),
        body=row.body,
        source=row.source,
        created_at=row.created_at,
    )
