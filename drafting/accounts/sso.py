"""Signing in through the organisation's identity provider (OIDC single sign-on), onto the accounts here.

The provider only vouches for who someone is. What they may do comes from the account an administrator
created here under the same name: the provider's `preferred_username`, else its `email` (unless the
provider says that address is unverified). A sign-in never creates an account or a unit, and a
disabled account stays shut. A sign-in opens an ordinary session (same idle timeout and lifetime as
a password sign-in), so signing out, disabling an account and expiry work the same for both.
"""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting.access import Actor
from drafting.accounts.names import normal_form
from drafting.accounts.sessions import locked_message, locked_until, open_session
from drafting.accounts.source import UNKNOWN
from drafting.errors import UserError
from drafting.storage.audit import record
from drafting.storage.database import Database
from drafting.storage.models import ProviderSignIn, Unit, User, utc_now
from drafting.storage.once import first_use

SSO_LOGIN = "登录（统一身份认证）"
# How long after signing in at the provider that sign-in may open a session here.
FRESH_FOR = timedelta(minutes=10)
CLOCK_SKEW = timedelta(minutes=2)  # the provider's clock may run a little ahead of ours


def account_name(claims: Mapping[str, Any]) -> str:
    """The account name the provider's claims give: `preferred_username`, else an email the provider marks
    verified (`email_verified: true`)."""
    name = _exact(str(claims.get("preferred_username") or ""))
    if name:
        return name
    email = normal_form(str(claims.get("email") or ""))  # a verified mailbox: spaces around it are noise
    if email and claims.get("email_verified") is not True:  # a missing flag vouches for nothing
        raise UserError(
            f"统一身份认证提供的邮箱“{email[:64]}”没有标明已验证，不能用来登录。"
            "请先在统一身份认证中验证邮箱，或请管理员在那里为您设置用户名。"
        )
    if email:
        return email
    raise UserError(
        "统一身份认证没有提供用户名（preferred_username）或邮箱（email），无法对应到本系统的账户。"
        "请管理员在统一身份认证的客户端设置中加入 profile 或 email 信息。"
    )


def _exact(claimed: str) -> str:
    """The provider's name as it is: one padded with spaces (" 管理员甲 ") is another user at the provider,
    so it is refused rather than trimmed into the name of an account here."""
    if claimed != claimed.strip():
        raise UserError(
            f"统一身份认证提供的用户名“{claimed.strip()[:64]}”前后有空格或写法不规范，不能对应到本系统的账户。"
            "请管理员在统一身份认证中改正用户名。"
        )
    return normal_form(claimed)  # NFC, as typed names are stored


def sign_in_with_sso(
    db: Database, claims: Mapping[str, Any], source: str = UNKNOWN, *, clock: Callable[[], datetime] = utc_now
) -> tuple[Actor, str]:
    """The existing, enabled account the claims name and a new session token for it, or a UserError.

    The password lock holds here too: for the whole account, and for `source` when wrong passwords from
    that address locked it out of the name.

    Success is audited as 登录（统一身份认证）, a refusal as 登录失败 / 登录被拒 (as with passwords).
    """
    name = account_name(claims)
    with db.transaction() as session:
        outcome = _attempt(session, name, source, clock())
    if isinstance(outcome, UserError):
        raise outcome
    return outcome


def _attempt(session: Session, name: str, source: str, now: datetime) -> tuple[Actor, str] | UserError:
    """Records what happened; returns a refusal instead of raising it, so its audit line is committed."""
    found = session.execute(select(User, Unit.name).join(Unit).where(User.name == name)).first()
    if found is None:
        record(session, Actor(None, None, False, name), "登录失败", "统一身份认证：本系统没有此账户")
        return UserError(
            f"统一身份认证的用户“{name[:64]}”在本系统中没有账户。请联系本单位的管理员创建同名账户后再登录。"
        )
    user, unit_name = found
    actor = Actor(user.id, user.unit_id, user.is_admin, user.name, unit_name)
    if user.disabled:
        record(session, actor, "登录被拒", "统一身份认证：账户已停用")
        return UserError(f"账户“{user.name}”已被停用。如需继续使用，请联系管理员。")
    if (until := locked_until(session, user, source, now)) is not None:
        record(session, actor, "登录被拒", f"统一身份认证：账户已锁定（{source}）")
        return UserError(locked_message(until, now))
    token = open_session(session, user.id, now)
    record(session, actor, SSO_LOGIN)
    return actor, token


class ProviderSignIns:
    """Lets each sign-in at the provider open one session here, and only while it is fresh.

    The web framework keeps the provider's identity in its own cookie for weeks. Without this, a session
    that expired or was ended by an administrator would be reopened by that cookie at the next page
    view. A sign-in is told apart by its ID token (issuer, subject, issue time, nonce). The used ones
    are kept in the database, so one sign-in opens one session across all the app's processes.
    """

    def __init__(self, db: Database, clock: Callable[[], datetime] = utc_now):
        self.db = db
        self.clock = clock

    def first_use(self, claims: Mapping[str, Any]) -> bool:
        """True once for a fresh sign-in; False for a used, stale or undated one."""
        issued = claims.get("iat")
        if isinstance(issued, bool) or not isinstance(issued, int | float):
            return False
        try:
            issued_at, now = datetime.fromtimestamp(issued, UTC), self.clock()
        except (OverflowError, OSError, ValueError):  # NaN or far outside the calendar
            return False
        if not now - FRESH_FOR <= issued_at <= now + CLOCK_SKEW:
            return False
        key = "\x1f".join(str(claims.get(field, "")) for field in ("iss", "sub", "iat", "nonce"))
        return first_use(
            self.db, ProviderSignIn.key_hash, ProviderSignIn.issued_at, key, issued_at, now - FRESH_FOR
        )
