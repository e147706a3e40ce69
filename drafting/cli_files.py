"""The files the command line writes and reads, with the operating system's refusals in Chinese.

A path the user typed may name a folder that does not exist, a folder itself, or a place they may not
write; Python's own message for each (FileNotFoundError: [Errno 2] …) is English and a traceback.
"""

import errno
import io
import os
import stat
import sys
from pathlib import Path

from drafting.errors import UserError

_WHY = {
    errno.ENOENT: "所在的文件夹不存在，请先建好文件夹或换一个位置",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EISDIR: "这是一个文件夹，请写出文件名",
    errno.EACCES: "没有权限，请换一个位置",
    errno.EPERM: "没有权限，请换一个位置",
    errno.EROFS: "所在的磁盘是只读的，请换一个位置",
    errno.ENOSPC: "磁盘空间不足，请清理后再试",
    errno.ENAMETOOLONG: "文件名太长",
}


def write_file(path: Path, data: bytes | str) -> None:
    """Write the whole file, or raise a UserError that says why not (in Chinese)."""
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as error:
        raise UserError(f"无法写入“{path}”：{reason(error)}。") from error


def write_document(data: bytes, output: Path | None, named: Path) -> Path | None:
    """A Word or Excel file: to `output`; without one, to standard output when that is redirected to a file
    or a pipe (`> 总结.docx`, `| …`), else to `named` (or 标题（2）.docx when taken): a terminal, or the
    console of an ssh command or an editor, gets a file, not bytes. The path written, or None."""
    if output is None and _redirected():
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return None
    target = output or unused_name(named)
    write_file(target, data)
    return target


def _redirected() -> bool:
    try:
        mode = os.fstat(sys.stdout.fileno()).st_mode
    except (OSError, ValueError, io.UnsupportedOperation):  # no descriptor (a test's captured output)
        return not sys.stdout.isatty()
    return stat.S_ISREG(mode) or stat.S_ISFIFO(mode)


def make_folder(path: Path) -> None:
    """The folder an output goes into, made before any work (an evaluation may be paid for) is done."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not path.is_dir() or not os.access(path, os.W_OK):
            raise OSError(errno.EACCES if path.is_dir() else errno.ENOTDIR, "")
    except OSError as error:
        raise UserError(f"无法写入文件夹“{path}”：{reason(error)}。") from error


def read_file(path: Path) -> bytes:
    """The whole file, or a UserError that says why not (in Chinese)."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise UserError(f"无法读取“{path}”：{reason(error, reading=True)}。") from error


def unused_name(path: Path) -> Path:
    """`path`, or 标题（2）.docx, 标题（3）.docx … when it is taken: a file named after the draft's title may
    be one a reviewer has already marked up."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}（{number}）{path.suffix}")
    return candidate


def reason(error: OSError, reading: bool = False) -> str:
    if reading and error.errno == errno.ENOENT:
        return "文件不存在"
    if reading and error.errno == errno.EISDIR:
        return "这是一个文件夹，请选择具体的文件"
    return _WHY.get(error.errno or 0, "操作系统拒绝了这次操作，请检查路径和权限")
