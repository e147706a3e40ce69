"""One-time keys shared by every process: a provider sign-in, a cookie ticket. Only their SHA-256 is kept."""

import hashlib
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import InstrumentedAttribute

from drafting.storage.database import Database


def first_use(
    db: Database,
    key_column: InstrumentedAttribute[str],
    time_column: InstrumentedAttribute[datetime],
    key: str,
    at: datetime,
    forget_before: datetime,
) -> bool:
    """Record `key` at `at`; True only the first time any process does. Keys recorded before `forget_before`
    are dropped, so the table holds only those that could still be shown again."""
    table = key_column.class_
    with db.transaction() as session:
        session.execute(delete(table).where(time_column < forget_before))
        inserted = session.scalar(
            db.insert(table)
            .values({key_column.key: hashlib.sha256(key.encode()).hexdigest(), time_column.key: at})
            .on_conflict_do_nothing()
            .returning(key_column)
        )
    return inserted is not None
