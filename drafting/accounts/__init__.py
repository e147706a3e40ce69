"""Accounts for the office service: users in units, sign-in sessions, daily token quotas.

With no account at all (`Users.has_any_user()` is False) the tool runs in single-user mode as
`Actor.local()`; creating the first (admin) account switches it to sign-in mode. The names below load
on first use, so the command line can register `drafting users` without loading SQLAlchemy.
"""

from drafting.lazy import lazy_exports

_EXPORTS = {
    "Passwords": "drafting.accounts.passwords",
    "QuotaExceeded": "drafting.accounts.quotas",
    "Quotas": "drafting.accounts.quotas",
    "Sessions": "drafting.accounts.sessions",
    "UserInfo": "drafting.accounts.users",
    "Users": "drafting.accounts.users",
}
__all__ = list(_EXPORTS)

__getattr__ = lazy_exports(_EXPORTS)
