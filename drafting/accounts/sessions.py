"""Signing in and out, and recognising a signed-in browser by its session token.

Only the SHA-256 of a token is stored, so a copy of the database signs no one in. Failed sign-ins
are slowed down (a pause growing with each failure) and, after MAX_FAILURES in a row, the name is
locked for LOCK_MINUTES from that address only: a stranger's guesses elsewhere never lock the owner out
of their own machine. The count starts again from zero when a lock has passed (so a stranger's one
wrong try cannot keep it locked), on a successful sign-in and when an administrator unlocks or resets.
An unknown name is counted the same way, in the same table: the same message, the same pause, the same
lock and countdown, in every state, so trying names reveals none.
"""

import hashlib
import math
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from drafting.access import Actor
from drafting.accounts.names import normal_form
from drafting.accounts.passwords import Passwords
from drafting.accounts.source import UNKNOWN
from drafting.errors import UserError
from drafting.storage.audit import record
from drafting.storage.database import Database
from drafting.storage.models import NAME_LENGTH, SOURCE_LENGTH, LoginSession, SignInLock, Unit, User, utc_now

MAX_FAILURES = 5
LOCK_MINUTES = 15
FIRST_DELAY = 0.5  # seconds after the first failure, doubling after each further one
MAX_DELAY = 8.0
IDLE_TIMEOUT = timedelta(hours=12)  # sliding: each visit extends it…
MAX_LIFETIME = timedelta(days=7)  # …but never beyond this from sign-in
_TOUCH_EVERY = timedelta(minutes=1)  # a page view writes at most this often

LOCK = timedelta(minutes=LOCK_MINUTES)
FORGET_AFTER = timedelta(days=1)  # failures older than this no longer count
WRONG_CREDENTIALS = "用户名或密码不正确。"
UNKNOWN_NAME = "用户名不存在"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def failure_delay(failures: int) -> float:
    return min(FIRST_DELAY * 2 ** (failures - 1), MAX_DELAY) if failures > 0 else 0.0


def locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return f"尝试次数过多，账户已暂时锁定，请 {minutes} 分钟后再试。忘记密码可请管理员重置。"


def address_lock(db: Database, session: Session, name: str, source: str, now: datetime) -> SignInLock:
    """The failure count of this name from this address, locked for this transaction (created at zero).

    A lock that has passed starts the count again; failures forgotten after a day make room for new ones.
    """
    session.execute(delete(SignInLock).where(SignInLock.last_failure < now - FORGET_AFTER))
    session.execute(
        db.insert(SignInLock)
        .values(name=name[:NAME_LENGTH], source=source[:SOURCE_LENGTH], failures=0, last_failure=now)
        .on_conflict_do_nothing()
    )
    lock = session.execute(
        select(SignInLock)
        .where(SignInLock.name == name[:NAME_LENGTH], SignInLock.source == source[:SOURCE_LENGTH])
        .with_for_update()
    ).scalar_one()
    if lock.locked_until is not None and lock.locked_until <= now:
        lock.failures, lock.locked_until = 0, None
    return lock


def locked_until(session: Session, user: User, source: str, now: datetime) -> datetime | None:
    """When the lock keeping this address out of the account ends: the account's own lock or the
    address's; None when it may sign in."""
    locks = [user.locked_until] + list(
        session.scalars(
            select(SignInLock.locked_until).where(
                SignInLock.name == user.name, SignInLock.source == source[:SOURCE_LENGTH]
            )
        )
    )
    return max((until for until in locks if until is not None and until > now), default=None)


def _count_failure(lock: SignInLock, now: datetime) -> tuple[UserError, float]:
    lock.failures += 1
    lock.last_failure = now
    if lock.failures >= MAX_FAILURES:
        lock.locked_until = now + LOCK
        return UserError(locked_message(lock.locked_until, now)), failure_delay(lock.failures)
    return UserError(WRONG_CREDENTIALS), failure_delay(lock.failures)


class Sessions:
    def __init__(
        self,
        db: Database,
        passwords: Passwords | None = None,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.db = db
        self.passwords = passwords or Passwords()
        self.clock = clock
        self.sleep = sleep

    def authenticate(self, name: str, password: str, source: str = UNKNOWN) -> str:
        """A new session token (keep it in a cookie), or a UserError saying why not.

        `source` is the browser's address (accounts/source.py): failures lock that address out of this name.
        """
        with self.db.transaction() as session:
            token, refusal, delay = self._attempt(session, normal_form(name), password, source, self.clock())
        if refusal is None:
            return token
        self.sleep(delay)  # outside the transaction: a slowed attacker holds no database lock
        raise refusal

    def _attempt(
        self, session: Session, name: str, password: str, source: str, now: datetime
    ) -> tuple[str, UserError | None, float]:
        found = session.execute(
            select(User, Unit.name).join(Unit).where(User.name == name).with_for_update(of=User)
        ).first()
        lock = address_lock(self.db, session, name, source, now)
        # Real and unknown names follow the same steps: the same wording, pauses, lock and countdown.
        actor = _actor(*found) if found is not None else Actor(None, None, False, name)
        if lock.locked_until is not None:
            self.passwords.burn_time(password)  # as long as a real check: the timing tells nothing
            record(session, actor, "登录被拒", f"该地址已锁定（{source}）", at=now)
            return "", UserError(locked_message(lock.locked_until, now)), failure_delay(lock.failures)
        if found is None:
            self.passwords.burn_time(password)
            refusal, delay = _count_failure(lock, now)
            record(session, actor, "登录失败", f"{UNKNOWN_NAME}（{source}）", at=now)
            return "", refusal, delay
        user = found[0]
        if user.locked_until is not None and user.locked_until > now:  # locked from a signed-in session
            self.passwords.burn_time(password)
            record(session, actor, "登录被拒", "账户已锁定")
            return "", UserError(locked_message(user.locked_until, now)), failure_delay(user.failed_logins)
        if not self.passwords.verify(user.password_hash, password):
            refusal, delay = _count_failure(lock, now)
            record(session, actor, "登录失败", f"密码错误（该地址连续第 {lock.failures} 次，{source}）")
            return "", refusal, delay
        if user.disabled:
            record(session, actor, "登录被拒", "账户已停用")
            return "", UserError("这个账户已被停用。如需继续使用，请联系管理员。"), 0.0
        session.delete(lock)
        user.failed_logins, user.locked_until = 0, None
        if self.passwords.needs_rehash(user.password_hash):
            user.password_hash = self.passwords.hash(password)
        token = open_session(session, user.id, now)
        record(session, actor, "登录")
        return token, None, 0.0

    def session_user(self, token: str) -> Actor | None:
        """Who holds this token, or None if it is unknown, expired or the account is disabled."""
        if not token:
            return None
        digest, now = token_hash(token), self.clock()
        with self.db.reading() as session:
            held = _holder(session, digest)
        if held is None:
            return None
        login, actor, disabled = held
        if login.expires_at <= now or disabled:
            with self.db.transaction() as session:
                session.execute(delete(LoginSession).where(LoginSession.token_hash == digest))
            return None
        if now - login.last_seen >= _TOUCH_EVERY:
            with self.db.transaction() as session:
                touched = session.get(LoginSession, digest)
                if touched is not None:
                    touched.last_seen = now
                    touched.expires_at = min(now + IDLE_TIMEOUT, touched.created_at + MAX_LIFETIME)
        return actor

    def logout(self, token: str) -> None:
        with self.db.transaction() as session:
            held = _holder(session, token_hash(token))
            if held is not None:
                login, actor, _ = held
                session.delete(login)
                record(session, actor, "退出登录")


def open_session(session: Session, user_id: int, now: datetime) -> str:
    """A new sign-in session for the user (password or single sign-on); only the token's hash is stored."""
    token = secrets.token_urlsafe(32)
    session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    session.add(
        LoginSession(
            token_hash=token_hash(token),
            user_id=user_id,
            created_at=now,
            expires_at=now + IDLE_TIMEOUT,
            last_seen=now,
        )
    )
    return token


def _actor(user: User, unit_name: str) -> Actor:
    return Actor(user.id, user.unit_id, user.is_admin, user.name, unit_name)


def _holder(session: Session, digest: str) -> tuple[LoginSession, Actor, bool] | None:
    """The session row for a token hash, who holds it, and whether their account is disabled."""
    found = session.execute(
        select(LoginSession, User, Unit.name)
        .join(User, User.id == LoginSession.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(LoginSession.token_hash == digest)
    ).first()
    if found is None:
        return None
    login, user, unit_name = found
    return login, _actor(user, unit_name), user.disabled
