"""The command line's own messages in Chinese: argparse's usage, help headings and errors.

argparse looks each message up through gettext as it shows it, so its lookup function is pointed at
this table (untranslated messages pass through as they are). `drafting extract` with no file then
says 缺少必需的参数, not "the following arguments are required".
"""

import argparse

_CHINESE = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s（可用 --help 查看用法）",
    "invalid choice: %(value)r (choose from %(choices)s)": "没有“%(value)s”这一项，可选：%(choices)s",
    "invalid %(type)s value: %(value)r": "“%(value)s”的格式不对",
    "expected one argument": "后面需要一个值",
    "expected at most one argument": "后面最多一个值",
    "expected at least one argument": "后面至少需要一个值",
    "expected %s argument": "后面需要 %s 个值",
    "expected %s arguments": "后面需要 %s 个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 中须给出一个",
    "ignored explicit argument %r": "多余的值 %r",
    "can't open '%(filename)s': %(error)s": "打不开“%(filename)s”：%(error)s",
}


def _chinese(message: str) -> str:
    return _CHINESE.get(message, message)


def _chinese_plural(singular: str, plural: str, count: int) -> str:
    return _chinese(singular if count == 1 else plural)


def speak_chinese() -> None:
    """Make argparse show its messages in Chinese (for this process)."""
    argparse._ = _chinese  # type: ignore[attr-defined]
    argparse.ngettext = _chinese_plural  # type: ignore[attr-defined]
