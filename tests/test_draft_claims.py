"""Which drafts are being written, known across processes: a draft another process is writing is not
called cut off here, and its parts cannot be paid for twice; a killed writer's claim runs out."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.storage import claims as claims_module
from drafting.storage.claims import Claims, DraftBeingWritten
from drafting.storage.database import Database
from tests.conftest import ROOT

# A process drafting with a fake model that stops at its first section until the test lets it go on.
WRITER = """
import sys, time
from pathlib import Path
from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.storage import claims
from drafting.writing.facts import parse_facts
from tests.fakes import REPLIES, scripted_model

gate = Path(sys.argv[1])
claims.CLAIM_SECONDS, claims.RENEW_SECONDS = float(sys.argv[2]), float(sys.argv[3])


def section(prompt):
    (gate / "writing").touch()
    while not (gate / "go").exists():
        time.sleep(0.05)
    return REPLIES["section"](prompt)


settings = load_settings().model_copy(update={"llm_base_url": "http://fake.invalid/v1"})
service = DraftingService(settings, models=lambda settings: scripted_model(section=section))
facts = parse_facts({
    "organization": "江北市第一人民医院工会",
    "period": "2025年",
    "facts": ["春节走访慰问困难职工23户，发放慰问金4.6万元", "举办护理技能竞赛，参赛职工120人"],
})
outline = service.plan(facts, embed=False)
service.draft(facts, outline, on_saved=lambda draft: (gate / "id").write_text(draft.id))
"""


@pytest.fixture
def shared(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """One data folder (holding the SQLite file) or one PostgreSQL database, for this process and a child.
    No bundled reports: nothing to index, so the child starts drafting at once."""
    (tmp_path / "corpus").mkdir()
    environment = {
        "DRAFTING_DATA_DIR": str(tmp_path / "data"),
        "DRAFTING_CORPUS_DIR": str(tmp_path / "corpus"),
    }
    if not database_url.startswith("sqlite"):  # SQLite: the data folder's own file, as the app and CLI use
        environment["DATABASE_URL"] = database_url
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return environment


@contextmanager
def writer(
    shared: dict[str, str], gate: Path, claim_seconds: float = 45, renew_seconds: float = 10
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Another process drafting, stopped at its first section; yields it and the draft's id."""
    gate.mkdir()
    environment = {**os.environ, **shared, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", WRITER, str(gate), str(claim_seconds), str(renew_seconds)]
    child = subprocess.Popen(command, env=environment, cwd=gate, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not (gate / "writing").exists():
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            assert time.monotonic() < deadline, "the other process did not start writing"
            time.sleep(0.05)
        yield child, (gate / "id").read_text()
    finally:
        child.kill()
        child.wait(timeout=30)


def test_a_draft_another_process_writes_is_not_cut_off_and_not_written_twice(
    shared: dict[str, str], tmp_path: Path
) -> None:
    here = DraftingService(load_settings())
    with writer(shared, tmp_path / "gate") as (child, draft_id):
        assert here.get(draft_id).unwritten()  # its parts are still to come
        assert here.is_being_written(draft_id)
        with pytest.raises(DraftBeingWritten, match="正在起草中"):
            here.write_unwritten(draft_id, offline=True)
        (tmp_path / "gate" / "go").touch()
        _, errors = child.communicate(timeout=120)
        assert child.returncode == 0, errors.decode()
    assert not here.is_being_written(draft_id)  # written and released
    assert here.get(draft_id).unwritten() == []


@pytest.mark.slow  # 9 s here: the other process starts (4 s), is killed, and its claim runs out
def test_a_killed_writers_claim_runs_out_and_its_parts_can_then_be_written(
    shared: dict[str, str], tmp_path: Path
) -> None:
    here = DraftingService(load_settings())
    claim_seconds = 1.5
    with writer(shared, tmp_path / "gate", claim_seconds, renew_seconds=0.2) as (child, draft_id):
        time.sleep(claim_seconds + 0.5)
        assert here.is_being_written(draft_id)  # renewed while it writes, however long that takes
        child.kill()
        child.wait(timeout=30)
        killed = time.monotonic()
        assert here.is_being_written(draft_id)  # nobody released it: it runs out
        while here.is_being_written(draft_id):
            assert time.monotonic() - killed < claim_seconds + 10, "a killed writer's claim never ran out"
            time.sleep(0.1)
    assert here.write_unwritten(draft_id, offline=True) == []  # now cut off, and written here
    assert here.get(draft_id).unwritten() == []
    assert not here.is_being_written(draft_id)


def test_a_process_that_exits_normally_releases_its_claims(shared: dict[str, str]) -> None:
    holding = "from drafting.service import DraftingService\nfrom drafting.settings import load_settings\n"
    holding += "DraftingService(load_settings()).claims.hold('abc123abc123')\n"  # and exits, never releasing
    environment = {**os.environ, **shared}
    done = subprocess.run([sys.executable, "-c", holding], env=environment, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert not DraftingService(load_settings()).is_being_written("abc123abc123")


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
    monkeypatch.setattr(claims_module, "CLAIM_SECONDS", 2.0)  # long beside RENEW_SECONDS, for a busy machine
    monkeypatch.setattr(claims_module, "RENEW_SECONDS", 0.1)
    claims = Claims(db)
    claim = claims.hold("d1")
    with pytest.raises(DraftBeingWritten, match="约一分钟后"):
        claims.hold("d1")
    time.sleep(4.5)  # over two claim lifetimes: only renewals keep it
    assert claims.is_held("d1")
    claim.release()
    assert not claims.is_held("d1")
    time.sleep(0.3)  # a renewal under way does not bring it back
    assert not claims.is_held("d1")


def test_a_renewal_that_fails_in_any_way_is_tried_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One failed renewal (any error, not only the database being away) must not end the renewals: the
    claim would run out in the middle of the draft."""
    monkeypatch.setattr(claims_module, "CLAIM_SECONDS", 2.0)  # long beside RENEW_SECONDS, for a busy machine
    monkeypatch.setattr(claims_module, "RENEW_SECONDS", 0.1)
    claims = Claims(db)
    claim = claims.hold("d1")
    take, failures = Claims.take, iter([RuntimeError("a bug in one renewal")])

    def failing_once(self: Claims, draft_id: str, holder: str) -> bool:
        if (failure := next(failures, None)) is not None:
            raise failure
        return take(self, draft_id, holder)

    monkeypatch.setattr(Claims, "take", failing_once)
    time.sleep(4.5)  # over two claim lifetimes: only the renewals after the failure keep it
    assert claims.is_held("d1")
    claim.release()
    assert not claims.is_held("d1")
