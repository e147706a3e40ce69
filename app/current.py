"""The service of this script run: the frame (app.py) sets it, then runs the page the visitor chose.

A page file is executed by `st.navigation` without arguments; each session's script runs in its own
thread, so a context variable keeps one session's service from another's.
"""

from contextvars import ContextVar

from drafting.service import DraftingService

_service: ContextVar[DraftingService] = ContextVar("service")


def use(current: DraftingService) -> None:
    _service.set(current)


def service() -> DraftingService:
    return _service.get()
