"""Who is acting: every repository call is checked against an Actor, never against a bare user id."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """A signed-in user, or the single-user (no accounts) mode.

    `user_id is None` marks the single-user mode: it owns the drafts whose owner is NULL and, being
    the only person there, is an admin (may change the endpoint, sees everything).
    """

    user_id: int | None
    unit_id: int | None
    is_admin: bool
    name: str
    unit_name: str = ""

    @classmethod
    def local(cls) -> "Actor":
        return cls(user_id=None, unit_id=None, is_admin=True, name="本机用户")

    @property
    def is_local(self) -> bool:
        return self.user_id is None


CONSOLE = Actor(user_id=None, unit_id=None, is_admin=True, name="命令行")
"""The operator at the server's command line (`drafting users …`), recorded as such in the audit log."""
