"""Daily token quotas per user and per unit, and the usage counted against them.

A day is the server's local calendar day. Without any quota a user is unlimited; with both a user
and a unit quota, whichever has less left applies. The single-user mode is never limited.
"""

from collections.abc import Callable
from datetime import date
from typing import Literal

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from drafting.access import CONSOLE, Actor
from drafting.accounts.names import clean_name
from drafting.errors import UserError
from drafting.storage.audit import record
from drafting.storage.database import Database
from drafting.storage.errors import PermissionDenied
from drafting.storage.models import Quota, TokenUsage, Unit, User

Scope = Literal["user", "unit"]


class QuotaExceeded(UserError):
    """Today's tokens are used up; tomorrow, or a larger quota from an admin, helps."""


class Quotas:
    def __init__(self, db: Database, today: Callable[[], date] = date.today):
        self.db = db
        self.today = today

    def set_quota(self, scope: Scope, name: str, daily_tokens: int | None, *, by: Actor = CONSOLE) -> None:
        """Limit a user or unit (by name) to `daily_tokens` a day; None removes the limit."""
        if not by.is_admin:
            raise PermissionDenied("只有管理员可以设置用量额度。")
        if daily_tokens is not None and daily_tokens < 0:
            raise UserError("每日额度不能是负数；不限额请清除额度。")
        with self.db.transaction() as session:
            scope_id = _scope_id(session, scope, name)
            session.execute(delete(Quota).where(Quota.scope == scope, Quota.scope_id == scope_id))
            if daily_tokens is not None:
                session.add(Quota(scope=scope, scope_id=scope_id, daily_tokens=daily_tokens))
            limit = "不限" if daily_tokens is None else f"每日 {daily_tokens} token"
            record(
                session, by, "设置额度", f"{'用户' if scope == 'user' else '单位'} {name.strip()}：{limit}"
            )

    def remaining_tokens(self, actor: Actor) -> int | None:
        """Tokens left today, or None when no quota applies."""
        if actor.user_id is None:
            return None
        today = self.today()
        with self.db.reading() as session:
            left = []
            user_quota = _quota(session, "user", actor.user_id)
            if user_quota is not None:
                left.append(user_quota - _used(session, today, TokenUsage.user_id == actor.user_id))
            unit_quota = _quota(session, "unit", actor.unit_id) if actor.unit_id is not None else None
            if unit_quota is not None:
                unit_members = select(User.id).where(User.unit_id == actor.unit_id)
                left.append(unit_quota - _used(session, today, TokenUsage.user_id.in_(unit_members)))
        return max(0, min(left)) if left else None

    def ensure_available(self, actor: Actor) -> None:
        """Refuse to start generating when today's quota is used up."""
        if self.remaining_tokens(actor) == 0:
            raise QuotaExceeded("今天的用量额度已经用完，明天会自动恢复。如确需继续，请联系管理员提高额度。")

    def record_usage(self, actor: Actor, tokens: int) -> None:
        """Count tokens a model call used (prompt plus completion) against today."""
        if actor.user_id is None or tokens <= 0:
            return
        insert = self.db.insert(TokenUsage).values(user_id=actor.user_id, day=self.today(), tokens=tokens)
        with self.db.transaction() as session:
            session.execute(
                insert.on_conflict_do_update(
                    index_elements=["user_id", "day"],
                    set_={"tokens": TokenUsage.tokens + insert.excluded.tokens},
                )
            )


def _scope_id(session: Session, scope: Scope, name: str) -> int:
    if scope == "user":
        found = session.scalar(select(User.id).where(User.name == clean_name(name)))
        missing = f"没有名为“{name.strip()[:64]}”的账户。"
    elif scope == "unit":
        found = session.scalar(select(Unit.id).where(Unit.name == clean_name(name, "单位名称")))
        missing = f"没有名为“{name.strip()[:64]}”的单位（单位在创建第一个账户时建立）。"
    else:
        raise UserError("额度只能设给用户（user）或单位（unit）。")
    if found is None:
        raise UserError(missing)
    return found


def _quota(session: Session, scope: Scope, scope_id: int) -> int | None:
    return session.scalar(select(Quota.daily_tokens).where(Quota.scope == scope, Quota.scope_id == scope_id))


def _used(session: Session, day: date, whose: ColumnElement[bool]) -> int:
    return session.scalar(
        select(func.coalesce(func.sum(TokenUsage.tokens), 0)).where(TokenUsage.day == day, whose)
    )
