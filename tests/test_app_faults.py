"""The app with a damaged drafts database, a damaged index, a full disk or a stopped database server: every
page still opens, the pages that need the broken part say so and name the fix, a finished draft the
database refuses stays on the page to download and save again, and the app recovers once the database
is back."""

import html

import pytest
from streamlit.testing.v1 import AppTest

import drafting.storage.opening
from drafting.retrieval.library import Library
from drafting.settings import Settings, load_settings
from drafting.storage import Database
from drafting.storage.errors import REPAIR_COMMAND
from tests.apppages import generate, go, offered
from tests.conftest import ROOT
from tests.pg import PostgresServer
from tests.test_database_faults import limit_growth, saved_drafts, truncate

PAGES = ["起草", "语气对比", "范文库", "历史", "评测", "设置"]


@pytest.fixture
def data_folder(tmp_path, monkeypatch) -> Settings:
    """A data folder with an index (of no reports: quick to build) and 30 saved drafts, used by the app."""
    corpus = tmp_path / "no-reports"
    corpus.mkdir()
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(corpus))
    settings = load_settings()
    build_index(settings)
    saved_drafts(settings, 30)
    return settings


def build_index(settings: Settings) -> None:
    library = Library(settings)
    library.build()
    library.close()  # chroma keeps one open store per folder and process: let the app open its own
    library.database.close()


def start_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()


def errors(app: AppTest) -> str:
    """The errors as a reader sees them (the page escapes markup as character references)."""
    return html.unescape("\n".join(e.value for e in app.error))


def assert_every_page_opens(app: AppTest, naming: str) -> None:
    """Each page draws its header, raises nothing, and shows an error containing `naming`."""
    assert offered(app) == PAGES
    for page in PAGES:
        go(app, page)
        assert not app.exception, page
        assert app.header[0].value == page
        assert naming in errors(app), page


def test_every_page_opens_with_a_damaged_drafts_database(data_folder):
    truncate(data_folder.data_dir / "drafting.sqlite3")
    assert_every_page_opens(start_app(), REPAIR_COMMAND)


def test_every_page_opens_when_the_drafts_database_is_damaged_while_the_app_runs(data_folder):
    app = start_app()
    assert not app.error
    truncate(data_folder.data_dir / "drafting.sqlite3")
    assert_every_page_opens(app, REPAIR_COMMAND)


def test_every_page_opens_with_a_damaged_index(data_folder):
    (chroma_file,) = (data_folder.data_dir / "index").glob("**/chroma.sqlite3")
    chroma_file.write_bytes(b"\0" * 100 + chroma_file.read_bytes()[100:])
    app = start_app()
    assert_every_page_opens(app, REPAIR_COMMAND)

    go(app, "历史")
    assert "还没有保存的草稿" not in str(app.info)  # the drafts do not need the index
    assert len([b for b in app.button if b.key and b.key.startswith("open_")]) == 30

    go(app, "起草")
    app.button[0].click().run()  # 载入示例要点
    generate(app)
    assert not app.exception and REPAIR_COMMAND in errors(app)


@pytest.fixture
def app_database(monkeypatch) -> list[Database]:
    """The database the app opens (it keeps one per process)."""
    opened: list[Database] = []
    opening = drafting.storage.opening.open_database_safely

    def keeping(settings: Settings) -> Database:
        opened.append(opening(settings))
        return opened[-1]

    monkeypatch.setattr(drafting.storage.opening, "open_database_safely", keeping)
    return opened


def test_a_draft_refused_by_a_full_disk_stays_on_the_page_and_saves_later(data_folder, app_database):
    app = start_app()
    (database,) = app_database
    free = limit_growth(database.engine, extra_pages=1)
    app.button[0].click().run()  # 载入示例要点
    generate(app)
    assert not app.exception
    assert "草稿已经写完，但没有保存到数据库" in errors(app) and "磁盘空间已满" in errors(app)
    assert "春节走访慰问困难职工23户" in app.code[0].value  # the finished text, on the page
    assert {b.label for b in app.get("download_button")} >= {"下载 Word (.docx)", "下载 Markdown"}
    (resave,) = [b for b in app.button if b.label == "重新保存"]
    resave.click().run()
    assert "磁盘空间已满" in errors(app) and app.code  # still full: still on the page

    free()
    next(b for b in app.button if b.label == "重新保存").click().run()
    assert not app.exception and not app.error
    assert not any(b.label == "重新保存" for b in app.button)
    go(app, "历史")
    assert len([b for b in app.button if b.key and b.key.startswith("open_")]) == 31


def test_the_app_recovers_when_the_database_server_is_back(
    postgres_server: PostgresServer, tmp_path, monkeypatch
):
    corpus = tmp_path / "no-reports"
    corpus.mkdir()
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("DATABASE_URL", postgres_server.new_database("drafting"))
    build_index(load_settings())
    app = start_app()
    assert not app.error

    postgres_server.stop()
    assert_every_page_opens(app, "连接不上数据库服务器")  # this browser was in: its pages stay
    newcomer = start_app()
    assert "连接不上数据库服务器" in errors(newcomer) and offered(newcomer) == []  # nobody can sign in now
    assert not newcomer.exception

    postgres_server.start()
    go(app, "历史")
    assert not app.error and any("还没有保存的草稿" in i.value for i in app.info)
    assert not start_app().error
