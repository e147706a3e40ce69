"""Storage errors a user can act on, each with a Chinese message that names the fix."""

from pathlib import Path

from pydantic import BaseModel

from drafting.errors import UserError

REPAIR_COMMAND = "drafting doctor --repair"


class StorageUnavailable(UserError):
    """The database is down, busy for too long, full or unreadable: nothing was changed, retry later."""

    def __init__(self, reason: str):
        super().__init__(self.explain(reason))
        self.reason = reason

    def explain(self, reason: str) -> str:
        return (
            f"数据库暂时无法访问（{reason}），本次操作没有完成。请稍后重试；已保存的内容不会丢失。"
            "如果一直如此，请联系管理员检查数据库服务和磁盘空间。"
        )


class DiskFull(StorageUnavailable):
    """No room left on the disk holding the data: the same message wherever the write failed."""

    def __init__(self, folder: Path | str):
        self.folder = folder  # the data folder, or "数据库服务器" when PostgreSQL reports its disk full
        super().__init__("磁盘空间已满")

    def explain(self, reason: str) -> str:
        return (
            f"{reason}（{self.folder} 所在的磁盘），本次操作没有完成；已保存的内容不会丢失。"
            "请清理这块磁盘（至少留出 200 MB）后重试，然后运行 `drafting doctor` 检查。"
        )


class StorageDamaged(StorageUnavailable):
    """The SQLite drafts file is damaged, found on opening or by any later query: retrying cannot help,
    `drafting doctor --repair` salvages it."""

    def __init__(self, path: Path | None, reason: str = "数据库文件已损坏或不是数据库文件"):
        self.path = path
        super().__init__(reason)

    def explain(self, reason: str) -> str:
        where = f"：{self.path}" if self.path else ""
        return (
            f"草稿数据库无法读取（{reason}{where}）。修复方法：先关闭本程序，再在命令行运行 "
            f"`{REPAIR_COMMAND}`：它会把损坏的文件改名保存（不删除），救回其中能读出的草稿，"
            "并用最近的自动备份补齐。"
        )


class DraftNotSaved(UserError):
    """A draft was written but the database refused it: the draft travels with the error, so a face can
    still hand its text to the user and save it again once the database is back."""

    def __init__(self, draft: BaseModel, cause: StorageUnavailable):
        super().__init__(
            f"草稿已经写完，但没有保存到数据库。{cause} "
            "为免丢失，请先把全文下载或另存一份；数据库恢复后可重新保存。"
        )
        self.draft = draft


class ConflictError(UserError):
    """Someone saved the same draft after it was opened here; saving would erase their changes."""

    def __init__(self, stored_revision: int):
        super().__init__(
            f"这份草稿在您打开之后已被另存过（现在是第 {stored_revision} 版）。"
            "为避免覆盖别人的修改，本次没有保存。请先复制您改动的内容，重新打开草稿后再合并保存。"
        )
        self.stored_revision = stored_revision


class SectionChanged(UserError):
    """The section was changed after the user began editing it; saving their text would undo that."""

    def __init__(self) -> None:
        super().__init__(
            "本节在您开始修改之后已被改过（您点的“修正”、重新生成，或别人的修改），为避免覆盖，本次没有保存。"
            "您改的文字仍在编辑框中：可以载入最新内容重新修改，或确认用您的文字替换。"
        )


class PermissionDenied(UserError):
    """The actor may not do this: it is for the owner, or for administrators."""
