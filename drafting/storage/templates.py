"""Each unit's Word template: one per unit, stored and replaced by an administrator, used by everyone
of the unit when they export. Checking that the file is a usable template is the caller's job (the
output layer knows what a template needs); this module only keeps it and says who may change it.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete

from drafting.access import Actor
from drafting.storage.audit import quoted, record
from drafting.storage.database import Database
from drafting.storage.errors import PermissionDenied
from drafting.storage.models import NAME_LENGTH, UnitTemplateRow, utc_now


@dataclass(frozen=True)
class StoredTemplate:
    name: str
    data: bytes
    uploaded_by: str
    uploaded_at: datetime


def template_scope(actor: Actor) -> str:
    return "local" if actor.unit_id is None else f"unit:{actor.unit_id}"


class UnitTemplates:
    def __init__(self, db: Database):
        self.db = db

    def get(self, actor: Actor) -> StoredTemplate | None:
        """The template of the actor's unit; None: exports use the GB/T 9704 default."""
        with self.db.reading() as session:
            row = session.get(UnitTemplateRow, template_scope(actor))
            if row is None:
                return None
            return StoredTemplate(row.name, row.data, row.uploaded_by, row.uploaded_at)

    def put(self, actor: Actor, name: str, data: bytes) -> None:
        _require_admin(actor)
        with self.db.transaction() as session:
            session.merge(
                UnitTemplateRow(
                    scope=template_scope(actor),
                    name=name[:255],
                    data=data,
                    uploaded_by=actor.name[:NAME_LENGTH],
                    uploaded_at=utc_now(),
                )
            )
            record(session, actor, "上传单位模板", quoted(name))

    def remove(self, actor: Actor) -> None:
        """Back to the GB/T 9704 default for the actor's unit."""
        _require_admin(actor)
        with self.db.transaction() as session:
            session.execute(delete(UnitTemplateRow).where(UnitTemplateRow.scope == template_scope(actor)))
            record(session, actor, "删除单位模板")


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("只有管理员可以上传或删除本单位的 Word 模板。请联系管理员。")
