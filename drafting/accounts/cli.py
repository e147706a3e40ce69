"""`drafting users …`: account administration at the server's command line.

Passwords are never taken as arguments (they would land in the shell history and the process list):
`--password-stdin` reads one line from standard input, otherwise a random one is made and shown once.
"""

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by the handlers: `drafting --help` must not load SQLAlchemy
    from drafting.accounts.users import Users
    from drafting.storage.database import Database

OpenDatabase = Callable[[Any], "Database"]
"""Given what the `drafting` main passes as second handler argument (its Settings), the Database."""


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]", database: OpenDatabase) -> None:
    """Add `users add|list|disable|enable|unlock|reset-password`; handlers are `(args, settings) -> exit code`."""
    users = commands.add_parser("users", help="管理账户（多人使用时）").add_subparsers(title="账户命令")

    add = users.add_parser("add", help="创建账户")
    add.add_argument("name")
    add.add_argument("--unit", required=True, help="所属单位（没有时自动建立）")
    add.add_argument("--admin", action="store_true", help="管理员：可管理账户、接口设置、发布范文")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为密码；不给则随机生成")
    add.set_defaults(handler=lambda args, settings: _add(args, _users(database, settings)))

    listing = users.add_parser("list", help="列出账户")
    listing.set_defaults(handler=lambda args, settings: _list(_users(database, settings)))

    disable = users.add_parser("disable", help="停用账户（立即退出其登录）")
    disable.add_argument("name")
    disable.set_defaults(handler=lambda args, settings: _disable(args, _users(database, settings)))

    enable = users.add_parser("enable", help="重新启用账户")
    enable.add_argument("name")
    enable.set_defaults(handler=lambda args, settings: _enable(args, _users(database, settings)))

    unlock = users.add_parser("unlock", help="解除因连续输错密码造成的登录锁定（所有地址）")
    unlock.add_argument("name")
    unlock.set_defaults(handler=lambda args, settings: _unlock(args, _users(database, settings)))

    reset = users.add_parser("reset-password", help="重置密码（随机生成新密码并解除锁定）")
    reset.add_argument("name")
    reset.set_defaults(handler=lambda args, settings: _reset(args, _users(database, settings)))


def _users(database: OpenDatabase, settings: Any) -> "Users":
    from drafting.accounts.users import Users

    return Users(database(settings))


def _add(args: argparse.Namespace, users: "Users") -> int:
    from drafting.accounts.passwords import random_password

    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else random_password()
    users.create_user(args.name, args.unit, password, admin=args.admin)
    print(f"已创建账户“{args.name.strip()}”（{args.unit.strip()}{'，管理员' if args.admin else ''}）。")
    if not args.password_stdin:
        print(f"初始密码：{password}\n请转交本人，并提醒登录后修改密码。")
    return 0


def _list(users: "Users") -> int:
    from drafting.storage.models import utc_now

    accounts = users.list_users()
    if not accounts:
        print(
            "还没有任何账户（当前为单人模式）。可用 drafting users add 名字 --unit 单位 --admin 创建管理员。"
        )
    now = utc_now()
    for account in accounts:
        locked = f"锁定中（{'、'.join(account.locked_from(now))}）" if account.locked(now) else ""
        state = "已停用" if account.disabled else locked or "正常"
        role = "管理员" if account.is_admin else "成员"
        print(f"{account.name}\t{account.unit}\t{role}\t{state}")
    return 0


def _disable(args: argparse.Namespace, users: "Users") -> int:
    users.disable(args.name)
    print(f"已停用账户“{args.name.strip()}”，其登录已全部退出。")
    return 0


def _enable(args: argparse.Namespace, users: "Users") -> int:
    users.enable(args.name)
    print(f"已启用账户“{args.name.strip()}”。")
    return 0


def _unlock(args: argparse.Namespace, users: "Users") -> int:
    users.unlock(args.name)
    print(f"已解除账户“{args.name.strip()}”的登录锁定。")
    return 0


def _reset(args: argparse.Namespace, users: "Users") -> int:
    password = users.reset_password(args.name)
    print(f"账户“{args.name.strip()}”的新密码：{password}\n请转交本人，并提醒登录后修改密码。")
    return 0
