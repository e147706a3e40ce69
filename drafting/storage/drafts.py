"""Drafts in the database: who may see and change which draft, and saves that never silently overwrite.

Rules:
- a member sees their own drafts plus the drafts a colleague shared with their unit;
- shared drafts are read-only for everyone but their owner (to change one, save a copy under a new id);
- administrators, and the single-user mode (`Actor.local()`), see and change every draft;
- an unknown id and someone else's unshared draft give the same "找不到" message.

The repository stores the draft's own JSON untouched; `draft_type` (a pydantic model with `id`,
`title` and `created_at`) rebuilds it, so this module does not depend on where Draft lives.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Row, and_, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from drafting.access import Actor
from drafting.errors import UserError
from drafting.storage.audit import quoted, record
from drafting.storage.database import Database
from drafting.storage.errors import ConflictError, DraftNotSaved, PermissionDenied, StorageUnavailable
from drafting.storage.models import DraftRow, User, utc_now

DraftT = TypeVar("DraftT", bound=BaseModel)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredDraft(Generic[DraftT]):
    """A draft with what the caller needs to save it back: pass `revision` as `expected_revision`."""

    draft: DraftT
    revision: int
    owner: str | None
    shared: bool
    editable: bool
    open_findings: bool


@dataclass(frozen=True)
class DraftTitle:
    id: str
    title: str


@dataclass(frozen=True)
class DraftListing:
    id: str
    title: str
    updated_at: datetime
    owner: str | None
    shared: bool
    has_findings: bool
    editable: bool
    revision: int
    unfinished: bool  # some section was never written (the writing was cut off, e.g. the process killed)


# How a section not yet written appears in a stored draft (DraftSection.status in pydantic's compact JSON):
# found in the text, so listing needs neither a schema change nor parsing every draft.
PENDING_SECTION = '"status":"pending"'


def not_found(draft_id: str) -> UserError:
    return UserError(
        f"找不到编号为“{draft_id[:64]}”的草稿：它可能已被删除，或您没有查看权限。请在草稿列表中重新选择。"
    )


def parse_created_at(text: str) -> datetime:
    """A draft's ISO `created_at`; a value without a zone is the machine's local time, as Draft writes it."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return utc_now()
    return moment.astimezone(UTC)  # naive → interpreted as local time


class DraftRepository(Generic[DraftT]):
    def __init__(self, db: Database, draft_type: type[DraftT]):
        self.db = db
        self.draft_type = draft_type

    def save(
        self,
        draft: DraftT,
        actor: Actor,
        expected_revision: int | None = None,
        *,
        open_findings: bool = False,
    ) -> int:
        """Store the draft and return its new revision.

        With `expected_revision` (the revision it was opened at), a save made after someone else's
        raises ConflictError instead of erasing their work. `open_findings` marks unresolved checks.
        """
        draft_id: str = draft.id  # type: ignore[attr-defined]
        title: str = draft.title  # type: ignore[attr-defined]
        now = utc_now()
        with self.db.transaction() as session:
            row = session.get(DraftRow, draft_id, with_for_update=True)
            if row is None:
                if expected_revision is not None:  # deleted since it was opened
                    raise not_found(draft_id)
                session.add(
                    DraftRow(
                        id=draft_id,
                        owner_id=actor.user_id,
                        unit_id=actor.unit_id,
                        shared_with_unit=False,
                        title=title,
                        body=draft.model_dump_json(),
                        revision=1,
                        open_findings=open_findings,
                        created_at=parse_created_at(draft.created_at),  # type: ignore[attr-defined]
                        updated_at=now,
                    )
                )
                try:
                    session.flush()
                except IntegrityError as error:  # the same new draft saved twice at once
                    raise ConflictError(1) from error
                record(session, actor, "创建草稿", f"{draft_id} {quoted(title)}")
                return 1
            self._check_editable(session, row, actor)
            if expected_revision is not None and row.revision != expected_revision:
                raise ConflictError(row.revision)
            row.title = title
            row.body = draft.model_dump_json()
            row.open_findings = open_findings
            row.revision += 1
            row.updated_at = now
            return row.revision

    def get(self, draft_id: str, actor: Actor) -> StoredDraft[DraftT]:
        """The draft as this actor may see it, parsed afresh each time, so every caller has its own."""
        body, state = self._row(draft_id, actor)
        return StoredDraft(draft=self.draft_type.model_validate_json(body), **state)

    def revision(self, draft_id: str, actor: Actor) -> int:
        """The draft's version, without parsing it (the export area asks on each of its runs)."""
        return self._row(draft_id, actor)[1]["revision"]

    def _row(self, draft_id: str, actor: Actor) -> tuple[str, dict]:
        """The stored body and the rest of StoredDraft. The page shows the draft on every run: the row is
        remembered until anything is committed."""

        def read() -> tuple[str, dict] | None:
            with self.db.reading() as session:
                found = session.execute(
                    select(DraftRow, User.name)
                    .outerjoin(User, User.id == DraftRow.owner_id)
                    .where(DraftRow.id == draft_id, self._visible_to(actor))
                ).first()
            if found is None:
                return None
            row, owner = found
            state = {
                "revision": row.revision,
                "owner": owner,
                "shared": row.shared_with_unit,
                "editable": _may_edit(row, actor),
                "open_findings": row.open_findings,
            }
            return row.body, state

        if (found := self.db.remembered(("draft", draft_id, actor), read)) is None:
            raise not_found(draft_id)
        return found

    def delete(self, draft_id: str, actor: Actor) -> None:
        with self.db.transaction() as session:
            row = self._editable_row(session, draft_id, actor)
            session.delete(row)
            record(session, actor, "删除草稿", f"{draft_id} {quoted(row.title)}")

    def share(self, draft_id: str, actor: Actor, shared: bool) -> None:
        """Let the owner's unit read the draft (or stop it); only the owner or an admin may."""
        with self.db.transaction() as session:
            row = self._editable_row(session, draft_id, actor)
            row.shared_with_unit = shared
            record(
                session, actor, "共享草稿" if shared else "取消共享草稿", f"{draft_id} {quoted(row.title)}"
            )

    def require_editable(self, draft_id: str, actor: Actor) -> None:
        """Refuse before any work is spent on a change that could not be saved (a colleague's shared draft)."""
        with self.db.reading() as session:
            row = session.get(DraftRow, draft_id)
            if row is None:
                raise not_found(draft_id)
            self._check_editable(session, row, actor)

    def _editable_row(self, session: Session, draft_id: str, actor: Actor) -> DraftRow:
        row = session.get(DraftRow, draft_id, with_for_update=True)
        if row is None:
            raise not_found(draft_id)
        self._check_editable(session, row, actor)
        return row

    def _check_editable(self, session: Session, row: DraftRow, actor: Actor) -> None:
        if _may_edit(row, actor):
            return
        if not session.scalar(select(true()).where(DraftRow.id == row.id, self._visible_to(actor))):
            raise not_found(row.id)
        owner = session.get(User, row.owner_id) if row.owner_id is not None else None
        raise PermissionDenied(
            f"这份草稿是{owner.name if owner else '他人'}共享给本单位的，只能查看，不能修改或删除。"
            "如需修改，请另存为自己的草稿。"
        )

    @staticmethod
    def _visible_to(actor: Actor) -> ColumnElement[bool]:
        if actor.is_admin:
            return true()
        own = false() if actor.user_id is None else DraftRow.owner_id == actor.user_id
        if actor.unit_id is None:
            return own
        return or_(own, and_(DraftRow.shared_with_unit.is_(True), DraftRow.unit_id == actor.unit_id))

    def titles(self, actor: Actor) -> list[DraftTitle]:
        """Each title among the drafts the actor may see once, as its most recently changed draft, most
        recently changed first: what the 起草 form offers as last year's report on each of its runs. The
        database picks them, without reading a single body: in a 20-session soak 355 drafts had 20 titles,
        and all 355 rows came back on every run of the form."""

        def read() -> tuple[DraftTitle, ...]:
            newest_first = (DraftRow.updated_at.desc(), DraftRow.id)
            ranked = (
                select(
                    DraftRow.id,
                    DraftRow.title,
                    DraftRow.updated_at,
                    func.row_number().over(partition_by=DraftRow.title, order_by=newest_first).label("rank"),
                )
                .where(self._visible_to(actor))
                .subquery()
            )
            with self.db.reading() as session:
                found = session.execute(
                    select(ranked.c.id, ranked.c.title)
                    .where(ranked.c.rank == 1)
                    .order_by(ranked.c.updated_at.desc(), ranked.c.id)
                ).all()
            return tuple(DraftTitle(id=row.id, title=row.title) for row in found)

        return list(self.db.remembered(("draft titles", actor), read))

    def list(self, actor: Actor) -> list[DraftListing]:
        """Every draft the actor may see, most recently changed first. The bodies stay in the database:
        the 起草 form lists every draft on each rerun, and loading them cost more than drawing the page."""
        with self.db.reading() as session:
            found = session.execute(
                select(
                    DraftRow.id,
                    DraftRow.title,
                    DraftRow.updated_at,
                    DraftRow.owner_id,
                    DraftRow.shared_with_unit,
                    DraftRow.open_findings,
                    DraftRow.revision,
                    DraftRow.body.contains(PENDING_SECTION, autoescape=True).label("unfinished"),
                    User.name,
                )
                .outerjoin(User, User.id == DraftRow.owner_id)
                .where(self._visible_to(actor))
                .order_by(DraftRow.updated_at.desc(), DraftRow.id)
            ).all()
        return [
            DraftListing(
                id=row.id,
                title=row.title,
                updated_at=row.updated_at,
                owner=row.name,
                shared=row.shared_with_unit,
                has_findings=row.open_findings,
                editable=_may_edit(row, actor),
                revision=row.revision,
                unfinished=bool(row.unfinished),
            )
            for row in found
        ]


def _may_edit(row: DraftRow | Row, actor: Actor) -> bool:
    return actor.is_admin or (row.owner_id == actor.user_id and row.owner_id is not None)


class PartialSaves(Generic[DraftT]):
    """The saves made while a draft is being written, which a database outage must not turn into lost work.

    Call it with the growing draft (after the outline, after each section): the first save the database
    refuses is remembered and the later ones are skipped (each could block the writing on a connect
    timeout), so the writing goes on. `finish` then saves the complete draft once more and, if the
    database is still away, raises DraftNotSaved carrying the draft for the user to keep.
    """

    def __init__(self, save: Callable[[DraftT], object]):
        self._save = save
        self.failure: StorageUnavailable | None = None

    def __call__(self, draft: DraftT) -> None:
        if self.failure is not None:
            return
        try:
            self._save(draft)
        except StorageUnavailable as error:
            logger.warning("a save while writing failed; the finished draft is saved at the end: %s", error)
            self.failure = error

    def finish(self, draft: DraftT) -> DraftT:
        """The finished draft, saved if a save made while writing failed; DraftNotSaved if it still fails."""
        if self.failure is not None:
            try:
                self._save(draft)
            except StorageUnavailable as error:
                raise DraftNotSaved(draft, error) from error
        return draft
