"""A database that is damaged, down or full: a Chinese message that names the fix, nothing already saved
is lost, a draft being written still reaches the user, and the same service works once the database is
back. Real faults only: a truncated file, a stopped PostgreSQL server, a SQLite file that may not grow."""

import asyncio
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

import drafting.storage.opening
from drafting.checks.guard import FACT_GUARD
from drafting.cli import main
from drafting.errors import UserError
from drafting.service import DraftingService
from drafting.settings import Settings, load_settings
from drafting.storage import StorageUnavailable
from drafting.storage.backup import AFTER_SAVE
from drafting.storage.drafts import PartialSaves
from drafting.storage.errors import REPAIR_COMMAND, DraftNotSaved, StorageDamaged
from drafting.writing.draft import Draft
from drafting.writing.facts import load_facts_file
from drafting.writing.pipeline import Pipeline
from drafting.writing.planner import plan_locally
from drafting.writing.template_writer import TemplateWriter
from tests.conftest import ROOT
from tests.pg import PostgresServer

EXAMPLE_FACTS = ROOT / "drafting" / "data" / "example_facts.yaml"
PASSWORD = "s3cret-pw"


def write_draft(save: Callable[[Draft], object], on_section: Callable[[], None] = lambda: None) -> Draft:
    """The offline engine on the example facts, saving as it writes the way DraftingService.draft does."""
    facts = load_facts_file(EXAMPLE_FACTS)
    saves = PartialSaves(save)

    def emit(event) -> None:  # noqa: ANN001 - a pipeline Event
        if event.kind == "section_done":
            on_section()

    draft = asyncio.run(Pipeline(TemplateWriter(), FACT_GUARD).write(plan_locally(facts), facts, emit, saves))
    return saves.finish(draft)


@cache
def _example_draft() -> Draft:
    return write_draft(lambda draft: None)


def offline_draft(number: int = 0) -> Draft:
    draft = _example_draft().model_copy(deep=True)
    return draft.model_copy(update={"id": f"{number:012x}", "title": f"{draft.title}（{number}）"})


def written(draft: Draft) -> list[str]:
    return [section.text for section in draft.sections]


def assert_complete(draft: Draft) -> None:
    assert all(section.status != "pending" and section.text for section in draft.sections)
    assert "春节走访慰问困难职工23户" in draft.plain_text()


# --- a damaged SQLite file, found by a query after opening -----------------------------------------------


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "no-reports")


def saved_drafts(settings: Settings, count: int) -> list[Draft]:
    service = DraftingService(settings)
    drafts = [offline_draft(n) for n in range(count)]
    for draft in drafts:
        service.save(draft)
    assert AFTER_SAVE.wait(timeout=60)  # copied before any damage, and closed last, which folds the WAL in
    service.database.close()
    return drafts


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def garble(path: Path) -> None:
    """Every page after the first overwritten: the header still reads as a database."""
    data = path.read_bytes()
    path.write_bytes(data[:4096] + b"\x55" * (len(data) - 4096))


def assert_names_the_doctor(error: UserError, path: Path) -> None:
    message = str(error)
    assert REPAIR_COMMAND in message and str(path) in message
    assert "稍后重试" not in message  # waiting cannot mend a damaged file


@pytest.mark.parametrize("damage", [truncate, garble])
@pytest.mark.parametrize("use", ["list", "get", "save"])
def test_damage_found_after_opening_names_the_doctor(sqlite_settings, damage, use):
    drafts = saved_drafts(sqlite_settings, 30)
    service = DraftingService(sqlite_settings)
    path = service.database.file  # opened (and checked) before the damage
    damage(path)
    calls = {
        "list": service.list_drafts,
        "get": lambda: service.get(drafts[-1].id),
        "save": lambda: service.save(offline_draft(99)),
    }
    with pytest.raises(StorageDamaged) as raised:
        calls[use]()
    assert isinstance(raised.value, StorageUnavailable)
    assert_names_the_doctor(raised.value, path)


def test_a_file_that_stopped_being_a_database_names_the_doctor(sqlite_settings):
    saved_drafts(sqlite_settings, 3)
    service = DraftingService(sqlite_settings)
    path = service.database.file
    path.write_bytes(b"\0" * 100 + path.read_bytes()[100:])
    service.database.engine.dispose()  # the next query needs a new connection, which reads the header
    with pytest.raises(StorageDamaged) as raised:
        service.list_drafts()
    assert_names_the_doctor(raised.value, path)


@pytest.fixture
def damaged_after_opening(sqlite_settings, monkeypatch) -> list[Draft]:
    """`drafting …` on a data folder whose database is truncated just after the command opened it."""
    drafts = saved_drafts(sqlite_settings, 30)
    opening = drafting.storage.opening.open_database_safely

    def open_then_truncate(settings: Settings):  # noqa: ANN202 - a Database
        database = opening(settings)
        truncate(database.file)
        return database

    monkeypatch.setattr(drafting.storage.opening, "open_database_safely", open_then_truncate)
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(sqlite_settings.data_dir))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(sqlite_settings.corpus_dir))
    return drafts


@pytest.mark.parametrize("command", ["list", "show"])
def test_the_cli_explains_damage_found_after_opening(damaged_after_opening, capsys, command):
    argv = ["list"] if command == "list" else ["show", damaged_after_opening[-1].id]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert err.startswith("错误：草稿数据库无法读取") and REPAIR_COMMAND in err
    assert "Traceback" not in err and not out


# --- a full disk -------------------------------------------------------------------------------------------


def limit_growth(engine: Engine, extra_pages: int) -> Callable[[], None]:
    """Let the SQLite file grow by `extra_pages` more pages only, as a nearly full disk would;
    returns the function that frees the disk again."""
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    def limited(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + extra_pages}")

    engine.dispose()  # connections made from now on are limited
    event.listen(engine, "connect", limited)

    def free() -> None:
        event.remove(engine, "connect", limited)
        engine.dispose()

    return free


def test_a_full_disk_fails_the_save_and_keeps_what_was_saved(sqlite_settings):
    service = DraftingService(sqlite_settings)
    first = offline_draft(1)
    service.save(first)
    limit_growth(service.database.engine, extra_pages=12)
    saved = [first]
    with pytest.raises(StorageUnavailable, match="磁盘空间已满") as raised:
        for number in range(2, 200):
            draft = offline_draft(number)
            service.save(draft)
            saved.append(draft)
    assert 1 < len(saved) < 199 and "已保存的内容不会丢失" in str(raised.value)
    assert [row.id for row in service.list_drafts()] == [d.id for d in reversed(saved)]
    assert all(written(service.get(d.id)) == written(d) for d in saved)

    longer = first.sections[1].text + "补充。" * 20_000  # an edit that needs pages the disk lacks
    with pytest.raises(StorageUnavailable, match="磁盘空间已满"):
        service.edit(first.id, first.sections[1].key, longer)
    assert written(service.get(first.id)) == written(first) and service.revision(first.id) == 1


def test_a_disk_full_while_writing_still_hands_over_the_draft(sqlite_settings):
    service = DraftingService(sqlite_settings)
    service.save(offline_draft(1))
    free = limit_growth(service.database.engine, extra_pages=1)
    with pytest.raises(DraftNotSaved, match="磁盘空间已满") as raised:
        write_draft(service.save)
    unsaved = raised.value.draft
    assert_complete(unsaved)
    free()
    service.save(unsaved)  # once there is room, the same draft saves
    assert written(service.get(unsaved.id)) == written(unsaved)


def test_a_database_found_damaged_while_writing_still_hands_over_the_draft(sqlite_settings):
    saved_drafts(sqlite_settings, 30)
    service = DraftingService(sqlite_settings)
    truncate(service.database.file)  # after opening: the outline's save is the first to find it
    with pytest.raises(DraftNotSaved) as raised:
        write_draft(service.save)
    assert_names_the_doctor(raised.value, service.database.file)
    assert_complete(raised.value.draft)


# --- a PostgreSQL server that goes down and comes back -------------------------------------------------------


@pytest.fixture
def pg_service(postgres_server: PostgresServer, tmp_path: Path) -> DraftingService:
    url = postgres_server.new_database("drafting")
    with_password = url.replace(
        "postgres@", f"postgres:{PASSWORD}@"
    )  # trust auth ignores it; no message shows it
    settings = load_settings(
        data_dir=tmp_path / "data", corpus_dir=tmp_path / "no-reports", database_url=with_password
    )
    service = DraftingService(settings)
    assert service.database.dialect == "postgresql"  # opened while the server is up
    return service


@pytest.fixture
def stopping(pg_service: DraftingService, postgres_server: PostgresServer) -> Iterator[Callable[[str], None]]:
    """`stopping(prefix)`: the server stops just before the next statement starting with `prefix` runs,
    in the middle of its transaction."""
    engine = pg_service.database.engine
    armed: list[str] = []

    def before(connection, cursor, statement: str, *args) -> None:  # noqa: ANN001
        if armed and statement.startswith(armed[0]):
            armed.clear()
            postgres_server.stop()

    event.listen(engine, "before_cursor_execute", before)
    yield armed.append
    event.remove(engine, "before_cursor_execute", before)


def test_a_server_stopped_mid_save_loses_nothing_and_the_same_service_recovers(
    pg_service, postgres_server, stopping
):
    kept = offline_draft(1)
    pg_service.save(kept)
    lost = offline_draft(2)
    marker = "只在这份草稿里出现的文字"
    lost.sections[1].text += marker
    stopping("INSERT INTO drafts")
    with pytest.raises(StorageUnavailable) as raised:
        pg_service.save(lost)
    message = str(raised.value)
    assert (
        message.startswith("数据库暂时无法访问（连接不上数据库服务器）") and "已保存的内容不会丢失" in message
    )
    assert not any(leak in message for leak in (PASSWORD, marker, "INSERT", "postgresql"))
    with pytest.raises(StorageUnavailable, match="连接不上数据库服务器"):
        pg_service.list_drafts()

    postgres_server.start()
    assert [row.id for row in pg_service.list_drafts()] == [
        kept.id
    ]  # the first call after: no stale connection
    assert written(pg_service.get(kept.id)) == written(kept)
    pg_service.save(lost)
    assert marker in pg_service.get(lost.id).plain_text()


def test_a_restart_while_idle_goes_unnoticed(pg_service, postgres_server):
    """The pool's connections died with the server; the first call afterwards must not fail on one."""
    kept = offline_draft(1)
    pg_service.save(kept)
    postgres_server.stop()
    postgres_server.start()
    assert [row.id for row in pg_service.list_drafts()] == [kept.id]


def test_a_server_down_for_the_rest_of_the_writing_still_hands_over_the_draft(pg_service, postgres_server):
    saves: list[str] = []

    def save_then_stop(draft: Draft) -> None:
        pg_service.save(draft)
        saves.append(draft.id)
        postgres_server.stop()  # right after the outline was saved

    with pytest.raises(DraftNotSaved) as raised:
        write_draft(save_then_stop)
    assert "草稿已经写完，但没有保存到数据库" in str(raised.value) and "连接不上数据库服务器" in str(
        raised.value
    )
    unsaved = raised.value.draft
    assert_complete(unsaved)
    assert len(saves) == 1

    postgres_server.start()
    assert all(s.status == "pending" for s in pg_service.get(unsaved.id).sections)  # the outline's save
    pg_service.save(unsaved)
    assert written(pg_service.get(unsaved.id)) == written(unsaved)


def test_a_server_back_before_the_writing_ends_gets_the_whole_draft(pg_service, postgres_server):
    sections_done = []

    def restart_after_the_last_section() -> None:
        sections_done.append(1)
        if len(sections_done) == len(plan_locally(load_facts_file(EXAMPLE_FACTS)).sections):
            postgres_server.start()

    postgres_server.stop()
    draft = write_draft(pg_service.save, restart_after_the_last_section)
    assert_complete(draft)
    assert written(pg_service.get(draft.id)) == written(draft)


def test_drafting_through_the_service_keeps_the_text_when_the_server_goes_away(
    built_library, pg_service, postgres_server
):
    """DraftingService.draft itself: a save refused mid-draft neither stops the writing nor loses it."""
    service = DraftingService(pg_service.settings, library=built_library)
    service.database = pg_service.database
    saved: list[str] = []

    def stop_after_the_outline(draft: Draft) -> None:
        saved.append(draft.id)
        postgres_server.stop()

    facts = load_facts_file(EXAMPLE_FACTS)
    with pytest.raises(DraftNotSaved) as raised:
        service.draft(facts, offline=True, on_saved=stop_after_the_outline)
    assert_complete(raised.value.draft)
    assert len(saved) == 1
    postgres_server.start()
    service.save(raised.value.draft)
    assert written(service.get(saved[0])) == written(raised.value.draft)
