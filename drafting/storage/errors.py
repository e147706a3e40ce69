"""Storage errors a user can act on, each with a Chinese message that names the fix."""

from drafting.errors import UserError


class StorageUnavailable(UserError):
    """The database is down, busy for too long, full or unreadable: nothing was changed, retry later."""

    def __init__(self, reason: str):
        super().__init__(
            f"数据库暂时无法访问（{reason}），本次操作没有完成。请稍后重试；已保存的内容不会丢失。"
            "如果一直如此，请联系管理员检查数据库服务和磁盘空间。"
        )


class ConflictError(UserError):
    """Someone saved the same draft after it was opened here; saving would erase their changes."""

    def __init__(self, stored_revision: int):
        super().__init__(
            f"这份草稿在您打开之后已被另存过（现在是第 {stored_revision} 版）。"
            "为避免覆盖别人的修改，本次没有保存。请先复制您改动的内容，重新打开草稿后再合并保存。"
        )
        self.stored_revision = stored_revision


class PermissionDenied(UserError):
    """The actor may not do this: it is for the owner, or for administrators."""
