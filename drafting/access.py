"""Who acts and what they may see: explicit values every repository call and every search is given.

Below storage and retrieval, so both take them without importing each other.
"""

from dataclasses import dataclass
from typing import Protocol


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


class Shared(Protocol):
    """What a Scope needs to know of a report: whose it is and its id."""

    @property
    def owner(self) -> str: ...

    @property
    def id(self) -> str: ...


@dataclass(frozen=True)
class Scope:
    """Which reports a user drafts with: the bundled ones, their unit's, and the published ones.

    `owners=None` is the single-user mode, which sees every report.
    """

    owners: frozenset[str] | None
    published: frozenset[str] = frozenset()

    def allows(self, meta: Shared) -> bool:
        return self.allows_report(meta.id, meta.owner)

    def allows_report(self, report_id: str, owner: str) -> bool:
        return self.owners is None or owner in self.owners or report_id in self.published


EVERYTHING = Scope(None)
