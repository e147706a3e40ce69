"""Accounts for the office service: users in units, sign-in sessions, daily token quotas.

With no account at all (`Users.has_any_user()` is False) the tool runs in single-user mode as
`Actor.local()`; creating the first (admin) account switches it to sign-in mode.
"""

from drafting.accounts.passwords import Passwords
from drafting.accounts.quotas import QuotaExceeded, Quotas
from drafting.accounts.sessions import Sessions
from drafting.accounts.users import UserInfo, Users

__all__ = ["Passwords", "QuotaExceeded", "Quotas", "Sessions", "UserInfo", "Users"]
