"""Which drafts are being written now, known to every process on the database.

A process writing a draft's sections holds a claim on it: a row naming the writer (host, process id and a
random token, so two tabs of one process are two writers) and the time it runs out. The writer renews it
on a thread of its own while it writes and deletes it when it stops, or at a normal exit; a killed process
renews nothing, and after CLAIM_SECONDS its draft reads as cut off again. The times are the processes' own
clocks: servers a few seconds apart matter little against CLAIM_SECONDS.
"""

import atexit
import logging
import os
import secrets
import socket
import threading
from datetime import timedelta

from sqlalchemy import delete, select

from drafting.errors import UserError
from drafting.storage.database import Database
from drafting.storage.errors import StorageUnavailable
from drafting.storage.models import DraftClaim, utc_now

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 45.0  # how soon a killed writer's draft reads as cut off again
# Often enough that a renewal waiting out SQLite's 30 s busy timeout still lands before the claim runs out.
RENEW_SECONDS = 10.0


class DraftBeingWritten(UserError):
    """Another tab, process or server is writing the draft: writing its parts here too would pay twice."""

    def __init__(self) -> None:
        super().__init__(
            "这份草稿正在起草中（在另一个页面、标签页或另一个进程里），写好的部分会陆续保存；"
            "写完后还没写成的部分再补写。如果那边的起草已经中断，约一分钟后这里即可补写。"
        )


class Claims:
    def __init__(self, db: Database):
        self.db = db

    def is_held(self, draft_id: str) -> bool:
        """Whether any process, this one included, is writing the draft now."""
        with self.db.reading() as session:
            found = session.scalar(
                select(DraftClaim.draft_id).where(
                    DraftClaim.draft_id == draft_id, DraftClaim.expires_at > utc_now()
                )
            )
        return found is not None

    def hold(self, draft_id: str) -> "Claim":
        """Claim the draft for this caller until `release`, renewed meanwhile; DraftBeingWritten while
        another writer's claim stands."""
        claim = Claim(self, draft_id)
        if not self.take(draft_id, claim.holder):
            raise DraftBeingWritten()
        _HELD.add(claim)
        threading.Thread(target=claim.renew_until_released, name="drafting-claim", daemon=True).start()
        return claim

    def take(self, draft_id: str, holder: str) -> bool:
        """Claim (or renew) the draft for `holder` for CLAIM_SECONDS; False while another holder's claim
        stands. One statement decides, so of two processes asking at once only one gets it. Claims that
        ran out are cleared on the way."""
        now = utc_now()
        with self.db.transaction() as session:
            session.execute(delete(DraftClaim).where(DraftClaim.expires_at <= now))
            insert = self.db.insert(DraftClaim).values(
                draft_id=draft_id, holder=holder, expires_at=now + timedelta(seconds=CLAIM_SECONDS)
            )
            taken = session.scalar(
                insert.on_conflict_do_update(
                    index_elements=[DraftClaim.draft_id],
                    set_={"expires_at": insert.excluded.expires_at},
                    where=DraftClaim.holder == holder,
                ).returning(DraftClaim.draft_id)
            )
        return taken is not None

    def release(self, draft_id: str, holder: str) -> None:
        with self.db.transaction() as session:
            session.execute(
                delete(DraftClaim).where(DraftClaim.draft_id == draft_id, DraftClaim.holder == holder)
            )


class Claim:
    """One draft this process is writing, renewed on a thread of its own until released."""

    def __init__(self, claims: Claims, draft_id: str):
        self.claims, self.draft_id = claims, draft_id
        self.holder = f"{socket.gethostname()[:200]} {os.getpid()} {secrets.token_hex(8)}"
        self._released = threading.Event()
        self._lock = threading.Lock()  # a renewal under way when the claim is released does not bring it back

    def renew_until_released(self) -> None:
        while not self._released.wait(RENEW_SECONDS):
            with self._lock:
                if self._released.is_set():
                    return
                try:
                    if not self.claims.take(self.draft_id, self.holder):
                        logger.warning(
                            "draft %s: the claim ran out and another writer holds it", self.draft_id
                        )
                except Exception as error:  # noqa: BLE001 - whatever failed, the next renewal tries again
                    logger.warning("draft %s: the claim was not renewed: %s", self.draft_id, error)

    def release(self) -> None:
        """Give the draft up (written, failed or stopped); with the database away it runs out by itself."""
        self._released.set()  # first: a renewal not yet started does not start
        with self._lock:  # then wait out one under way, so it cannot bring the claim back after the delete
            _HELD.discard(self)
            try:
                self.claims.release(self.draft_id, self.holder)
            except StorageUnavailable as error:
                logger.warning("draft %s: the claim was not released, it runs out: %s", self.draft_id, error)


# The claims this process holds, released at a normal exit: a stopped server's writing threads end without
# their own release, and its drafts should not wait CLAIM_SECONDS to read as cut off.
_HELD: set[Claim] = set()


@atexit.register
def _release_held() -> None:
    for claim in list(_HELD):
        claim.release()
