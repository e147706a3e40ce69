"""User accounts and units: creating, listing, disabling, and password changes and resets.

Managing accounts is for administrators; `by` says who does it (the command line by default) and
goes into the audit log. Disabling an account or resetting its password ends its sessions.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from drafting.access import CONSOLE, Actor
from drafting.accounts.names import MAX_NEW_NAME_CHARS, clean_name
from drafting.accounts.passwords import Passwords, check_policy, random_password
from drafting.accounts.sessions import LOCK, MAX_FAILURES, failure_delay, locked_message, token_hash
from drafting.errors import UserError
from drafting.storage.audit import record
from drafting.storage.database import Database
from drafting.storage.errors import PermissionDenied
from drafting.storage.models import LoginSession, SignInLock, Unit, User, utc_now


@dataclass(frozen=True)
class UserInfo:
    name: str
    unit: str
    is_admin: bool
    disabled: bool
    locked_until: datetime | None  # the whole account's lock (wrong old passwords in a signed-in session)
    created_at: datetime
    address_locks: tuple[tuple[str, datetime], ...] = ()  # addresses locked out of this name, and until when

    def locked(self, now: datetime) -> bool:
        return self.lock_ends(now) is not None

    def lock_ends(self, now: datetime) -> datetime | None:
        """When the last lock still holding ends (None: nobody is locked out)."""
        ends = [until for _, until in self.address_locks] + [self.locked_until or now]
        return max((until for until in ends if until > now), default=None)

    def locked_from(self, now: datetime) -> list[str]:
        """The addresses locked out now; 全部地址 when the whole account is locked."""
        whole = ["全部地址"] if self.locked_until is not None and self.locked_until > now else []
        return whole + [source for source, until in self.address_locks if until > now]


class Users:
    def __init__(
        self, db: Database, passwords: Passwords | None = None, sleep: Callable[[float], None] = time.sleep
    ):
        self.db = db
        self.passwords = passwords or Passwords()
        self.sleep = sleep

    def has_any_user(self) -> bool:
        """False means single-user mode: no sign-in, everything belongs to `Actor.local()`."""

        def read() -> bool:
            with self.db.reading() as session:
                return session.scalar(select(User.id).limit(1)) is not None

        return self.db.remembered("any user", read)

    def create_user(
        self, name: str, unit: str, password: str, admin: bool = False, *, by: Actor = CONSOLE
    ) -> None:
        _require_admin(by)
        name = clean_name(name, limit=MAX_NEW_NAME_CHARS)
        unit = clean_name(unit, "单位名称", MAX_NEW_NAME_CHARS)
        check_policy(password)
        password_hash = self.passwords.hash(password)
        with self.db.transaction() as session:
            session.add(
                User(
                    name=name,
                    unit_id=_unit_id(self.db, session, unit),
                    is_admin=admin,
                    password_hash=password_hash,
                )
            )
            try:
                session.flush()
            except IntegrityError as error:
                raise UserError(f"用户名“{name}”已经有人用了，请换一个。") from error
            record(session, by, "创建账户", f"{name}（{unit}{'，管理员' if admin else ''}）")

    def list_users(self, *, by: Actor = CONSOLE) -> list[UserInfo]:
        _require_admin(by)
        with self.db.reading() as session:
            found = session.execute(select(User, Unit.name).join(Unit).order_by(Unit.name, User.name)).all()
            address_locks = session.execute(
                select(SignInLock.name, SignInLock.source, SignInLock.locked_until)
                .where(SignInLock.locked_until.is_not(None))
                .order_by(SignInLock.source)
            ).all()
        return [
            UserInfo(
                user.name,
                unit,
                user.is_admin,
                user.disabled,
                user.locked_until,
                user.created_at,
                tuple((source, until) for name, source, until in address_locks if name == user.name),
            )
            for user, unit in found
        ]

    def disable(self, name: str, *, by: Actor = CONSOLE) -> None:
        self._set_disabled(name, True, by)

    def enable(self, name: str, *, by: Actor = CONSOLE) -> None:
        self._set_disabled(name, False, by)

    def unlock(self, name: str, *, by: Actor = CONSOLE) -> None:
        """End a sign-in lock now (an owner kept out by a stranger's wrong passwords); the count starts again."""
        _require_admin(by)
        with self.db.transaction() as session:
            user = _user_named(session, name)
            _unlock(session, user)
            record(session, by, "解锁账户", user.name)

    def reset_password(self, name: str, *, by: Actor = CONSOLE) -> str:
        """Give the account a new random password (returned once, never stored) and unlock it."""
        _require_admin(by)
        password = random_password()
        password_hash = self.passwords.hash(password)
        with self.db.transaction() as session:
            user = _user_named(session, name)
            user.password_hash = password_hash
            _unlock(session, user)
            session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
            record(session, by, "重置密码", user.name)
        return password

    def change_password(self, actor: Actor, old: str, new: str, *, keep_token: str = "") -> None:
        """The signed-in user's own change; their other sessions (other browsers) are signed out."""
        if actor.user_id is None:
            raise UserError("单机模式没有账户密码。")
        check_policy(new)
        with self.db.transaction() as session:
            user = session.get(User, actor.user_id, with_for_update=True)
            if user is None:
                raise UserError("原密码不正确，密码没有修改。")
            if not self.passwords.verify(user.password_hash, old):
                refusal, delay = _wrong_old_password(session, user, actor)
            else:
                refusal, delay = None, 0.0
                user.password_hash = self.passwords.hash(new)
                user.failed_logins = 0
                session.execute(
                    delete(LoginSession).where(
                        LoginSession.user_id == user.id, LoginSession.token_hash != token_hash(keep_token)
                    )
                )
                record(session, actor, "修改密码", user.name)
        if refusal is not None:
            self.sleep(delay)  # outside the transaction, as for sign-ins
            raise refusal

    def _set_disabled(self, name: str, disabled: bool, by: Actor) -> None:
        _require_admin(by)
        with self.db.transaction() as session:
            user = _user_named(session, name)
            if disabled and user.id == by.user_id:
                raise UserError("不能停用自己正在使用的账户。")
            if disabled and user.is_admin and _active_admins(session) <= 1:
                raise UserError(
                    "这是最后一个可用的管理员账户，停用后将无人能管理账户。请先创建或启用另一个管理员。"
                )
            user.disabled = disabled
            if disabled:
                session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
            record(session, by, "停用账户" if disabled else "启用账户", user.name)


def _unlock(session: Session, user: User) -> None:
    """The account and every address locked out of it may sign in again, each count from zero."""
    user.failed_logins, user.locked_until = 0, None
    session.execute(delete(SignInLock).where(SignInLock.name == user.name))


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("只有管理员可以管理账户。")


def _user_named(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == clean_name(name)).with_for_update())
    if user is None:
        raise UserError(f"没有名为“{name.strip()[:64]}”的账户。可用 `drafting users list` 查看全部账户。")
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).where(User.is_admin.is_(True), User.disabled.is_(False))) or 0


def _unit_id(db: Database, session: Session, name: str) -> int:
    """The unit's id, creating the unit on first use (safe against a concurrent creation)."""
    session.execute(db.insert(Unit).values(name=name).on_conflict_do_nothing(index_elements=["name"]))
    return session.scalars(select(Unit.id).where(Unit.name == name)).one()


def _wrong_old_password(session: Session, user: User, actor: Actor) -> tuple[UserError, float]:
    """A wrong old password counts as a failed sign-in: someone holding a stolen session cannot guess the
    password at leisure. At the limit the account locks and every session of it ends."""
    user.failed_logins += 1
    record(session, actor, "修改密码失败", f"原密码错误（连续第 {user.failed_logins} 次）")
    if user.failed_logins < MAX_FAILURES:
        return UserError("原密码不正确，密码没有修改。"), failure_delay(user.failed_logins)
    now = utc_now()
    user.locked_until = now + LOCK
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    return UserError(
        f"原密码连续输错 {user.failed_logins} 次，为安全起见已退出登录，{locked_message(user.locked_until, now)}"
    ), failure_delay(user.failed_logins)
