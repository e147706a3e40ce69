"""`drafting users …` handlers, run through argparse the way drafting/cli.py dispatches them."""

import argparse
import io
import re
from pathlib import Path

import pytest

from drafting.accounts import Sessions
from drafting.accounts.cli import register
from drafting.accounts.sessions import MAX_FAILURES
from drafting.errors import UserError
from drafting.storage import Database, open_database


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_database(f"sqlite:///{tmp_path / 'drafting.sqlite3'}")


def run(db: Database, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="drafting")
    register(parser.add_subparsers(), lambda settings: db)
    args = parser.parse_args(list(argv))
    return args.handler(args, object())


def signs_in(db: Database, name: str, password: str) -> bool:
    sessions = Sessions(db, sleep=lambda _: None)
    try:
        return sessions.session_user(sessions.authenticate(name, password)) is not None
    except UserError:
        return False


def test_add_with_a_password_from_stdin(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret\n"))
    assert run(db, "users", "add", "张三", "--unit", "机关工会", "--admin", "--password-stdin") == 0
    out = capsys.readouterr().out
    assert "已创建账户“张三”（机关工会，管理员）" in out and "a long secret" not in out
    assert signs_in(db, "张三", "a long secret")


def test_add_without_a_password_shows_a_random_one_once(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, "users", "add", "李四", "--unit", "教育工会") == 0
    password = re.search(r"初始密码：(\S+)", capsys.readouterr().out)
    assert password is not None and signs_in(db, "李四", password.group(1))


def test_list_disable_enable_and_reset(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, "users", "list") == 0
    assert "还没有任何账户" in capsys.readouterr().out
    run(db, "users", "add", "admin", "--unit", "总工会", "--admin")
    run(db, "users", "add", "王五", "--unit", "机关工会")
    assert run(db, "users", "disable", "王五") == 0
    assert "已停用账户“王五”" in capsys.readouterr().out
    run(db, "users", "list")
    assert capsys.readouterr().out.splitlines() == [
        "admin\t总工会\t管理员\t正常",
        "王五\t机关工会\t成员\t已停用",
    ]
    run(db, "users", "enable", "王五")
    assert run(db, "users", "reset-password", "王五") == 0
    password = re.search(r"新密码：(\S+)", capsys.readouterr().out)
    assert password is not None and signs_in(db, "王五", password.group(1))


def test_errors_reach_the_caller_as_chinese_user_errors(db: Database) -> None:
    with pytest.raises(UserError, match="没有名为“nobody”的账户"):
        run(db, "users", "disable", "nobody")
    with pytest.raises(SystemExit):  # argparse: --unit is required
        run(db, "users", "add", "x")


def test_list_shows_the_locked_address_and_unlock_ends_the_lock(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    run(db, "users", "add", "王五", "--unit", "机关工会")
    password = re.search(r"初始密码：(\S+)", capsys.readouterr().out)
    assert password is not None
    sessions = Sessions(db, sleep=lambda _: None)
    for _ in range(MAX_FAILURES):
        with pytest.raises(UserError):
            sessions.authenticate("王五", "guess", "203.0.113.9")
    run(db, "users", "list")
    assert capsys.readouterr().out.splitlines() == ["王五\t机关工会\t成员\t锁定中（203.0.113.9）"]
    assert run(db, "users", "unlock", "王五") == 0
    assert "已解除账户“王五”的登录锁定" in capsys.readouterr().out
    assert sessions.session_user(sessions.authenticate("王五", password.group(1), "203.0.113.9")) is not None
