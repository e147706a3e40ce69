"""Moving between the app's pages in AppTest, as the sidebar menu (st.navigation) does in a browser."""

from streamlit.testing.v1 import AppTest

from drafting.service import DraftingService
from drafting.writing.facts import parse_facts
from tests.conftest import ROOT

PAGE_FILES = {
    "起草": "app/draft.py",
    "语气对比": "app/tone.py",
    "范文库": "app/library.py",
    "历史": "app/history.py",
    "评测": "app/evaluation.py",
    "设置": "app/settings.py",
    "账户管理": "app/accounts.py",
}
SIGNED_OUT = ["登录"]  # the login page is the only page, and the menu is hidden


def go(app: AppTest, title: str) -> AppTest:
    """Open the page titled `title` (ValueError when the menu does not offer it to this user)."""
    return app.switch_page(PAGE_FILES[title]).run()


def offered(app: AppTest) -> list[str]:
    """The titles the menu offers after the last run, in menu order ([] on the login page)."""
    return [info.get("page_name", "") for info in app._registered_pages.values() if "url_pathname" in info]


def open_section_more(app: AppTest, draft_id: str, key: str) -> AppTest:
    """Open a section's 修改要求 / 编辑 / 参考范文 / 历史版本, whose contents are drawn only while it is open."""
    app.session_state[f"more_{draft_id}_{key}"] = True
    return app.run()


def revision_shown(app: AppTest, draft_id: str) -> int:
    """The version the 起草 page's export question was asked for (its key ends with it)."""
    asked = (f"export_{draft_id}_", f"export_ok_{draft_id}_")
    (key,) = [w.key for w in [*app.toggle, *app.checkbox] if (w.key or "").startswith(asked)]
    return int(key.rsplit("_", 1)[1])


def generate(app: AppTest) -> AppTest:
    """Click 生成草稿, whose key changes with each drafting the session starts (so a queued second click
    of a double click drafts nothing)."""
    (button,) = [b for b in app.button if b.label == "生成草稿"]
    return button.click().run()


def regenerate(app: AppTest, draft_id: str, key: str) -> AppTest:
    """Click a section's 重新生成, whose key ends with the section's number of versions."""
    (button,) = [b for b in app.button if (b.key or "").startswith(f"regen_{draft_id}_{key}_")]
    return button.click().run()


def carryover_app(built_library, monkeypatch, tmp_path, last_year: dict) -> tuple:  # noqa: ANN001 - fixtures
    """The 起草 page on a new data folder holding last year's draft (`last_year`'s facts) and the same without
    a plan, with the example facts (2025年) loaded: (app, service, last year's draft, the one without)."""
    data = tmp_path / "data"
    settings = built_library.settings.model_copy(update={"data_dir": data})
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(data))
    service = DraftingService(settings)
    drafted = service.draft(parse_facts(last_year), offline=True)
    without_plan = service.draft(
        parse_facts({**last_year, "report_type": "summary", "plans": []}), offline=True
    )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.button[0].click().run()  # 载入示例要点 (2025年): 召开五届三次职代会, 新发展会员45人, no 书屋
    return at, service, drafted, without_plan
