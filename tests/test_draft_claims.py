"""Which drafts are being written, known across processes: a draft another process is writing is not
called cut off here, and its parts cannot be paid for twice; a killed writer's claim runs out."""

import threading
import time

import pytest

from drafting.storage import claims as claims_module
from drafting.storage.claims import Claims, DraftBeingWritten
from drafting.storage.database import Database


def test_one_writer_at_a_time_renewing_its_own_claim(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    claims = Claims(db)
    assert claims.take("d1", "甲") and not claims.take("d1", "乙")
    assert claims.take("d1", "甲")  # a renewal
    assert claims.is_held("d1") and not claims.is_held("d2")
    claims.release("d1", "乙")  # not theirs to release
    assert claims.is_held("d1")
    claims.release("d1", "甲")
    assert not claims.is_held("d1") and claims.take("d1", "乙")
    monkeypatch.setattr(claims_module, "CLAIM_SECONDS", 0.2)
    assert claims.take("d2", "甲")
    time.sleep(0.3)
    assert not claims.is_held("d2") and claims.take("d2", "乙")  # run out: anyone may take it


def test_of_writers_asking_at_once_one_gets_the_draft(db: Database) -> None:
    claims = Claims(db)
    barrier = threading.Barrier(4)
    taken: list[str] = []

    def ask(holder: str) -> None:
        barrier.wait()
        if claims.take("d1", holder):
            taken.append(holder)

    threads = [threading.Thread(target=ask, args=(name,)) for name in "甲乙丙丁"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 1


def test_a_held_claim_is_renewed_until_released(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claims_module, "CLAIM_SECONDS", 0.6)
    monkeypatch.setattr(claims_module, "RENEW_SECONDS", 0.1)
    claims = Claims(db)
    claim = claims.hold("d1")
    with pytest.raises(DraftBeingWritten, match="约一分钟后"):
        claims.hold("d1")
    time.sleep(1)
    assert claims.is_held("d1")
    claim.release()
    assert not claims.is_held("d1")
    time.sleep(0.3)  # a renewal under way does not bring it back
    assert not claims.is_held("d1")
