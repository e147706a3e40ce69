"""Daily token quotas per user and per unit, and the usage counted against them.

A day is the server's local calendar day. Without any quota a user is unlimited; with both a user
and a unit quota, whichever has less left applies. The single-user mode is never limited.

A job reserves its estimate before the first model call (`reserve`): the check and the charge are one
transaction that holds the quota rows (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite), so tabs
started at once queue behind each other instead of all seeing the same remainder.
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
        with self.db.reading() as session:
            return self._remaining(session, actor)

    def _remaining(self, session: Session, actor: Actor) -> int | None:
        today = self.today()
        left = []
        user_quota = _quota(session, "user", actor.user_id)
        if user_quota is not None:
            left.append(user_quota - _used(session, today, TokenUsage.user_id == actor.user_id))
        unit_quota = _quota(session, "unit", actor.unit_id) if actor.unit_id is not None else None
        if unit_quota is not None:
            unit_members = select(User.id).where(User.unit_id == actor.unit_id)
            left.append(unit_quota - _used(session, today, TokenUsage.user_id.in_(unit_members)))
        return max(0, min(left)) if left else None

    def reserve(self, actor: Actor, tokens: int) -> int:
        """Charge `tokens` now and return what was charged (0 in single-user mode), or raise QuotaExceeded
        and charge nothing when today's quota cannot cover them."""
        if actor.user_id is None or tokens <= 0:
            return 0
        with self.db.transaction() as session:
            held = session.scalars(
                select(Quota.daily_tokens).where(_quotas_of(actor)).order_by(Quota.id).with_for_update()
            ).all()
            if held:
                remaining = self._remaining(session, actor)
                if remaining is not None and tokens > remaining:
                    raise QuotaExceeded(
                        f"本次预计需要约 {tokens} token，今天剩余额度只有 {remaining} token，"
                        "为免写到一半中断，没有开始生成。可改用离线引擎，或明天再试；确需继续请联系管理员提高额度。"
                    )
            self._add(session, actor, tokens)
        return tokens

    def account_active(self, actor: Actor) -> bool:
        """False once an admin has disabled the account (a running job stops at its next check)."""
        if actor.user_id is None:
            return True
        with self.db.reading() as session:
            return session.scalar(select(User.disabled).where(User.id == actor.user_id)) is False

    def record_usage(self, actor: Actor, tokens: int) -> None:
        """Count tokens against today (negative: give back what a reservation did not use)."""
        if actor.user_id is None or tokens == 0:
            return
        with self.db.transaction() as session:
            self._add(session, actor, tokens)

    def _add(self, session: Session, actor: Actor, tokens: int) -> None:
        insert = self.db.insert(TokenUsage).values(user_id=actor.user_id, day=self.today(), tokens=tokens)
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


def _quotas_of(actor: Actor) -> ColumnElement[bool]:
    """The quota rows that limit `actor`: their own and their unit's."""
    mine = (Quota.scope == "user") & (Quota.scope_id == actor.user_id)
    if actor.unit_id is None:
        return mine
    return mine | ((Quota.scope == "unit") & (Quota.scope_id == actor.unit_id))


def _quota(session: Session, scope: Scope, scope_id: int) -> int | None:
    return session.scalar(select(Quota.daily_tokens).where(Quota.scope == scope, Quota.scope_id == scope_id))


def _used(session: Session, day: date, whose: ColumnElement[bool]) -> int:
    return session.scalar(
        select(func.coalesce(func.sum(TokenUsage.tokens), 0)).where(TokenUsage.day == day, whose)
    )
