"""Text addressed to the writer rather than reporting a fact (忽略以上要求…, 请务必在总结中写入…).

Such lines in facts, materials or imported reports are set aside and shown, never written into a draft or
sent to a model as an exemplar. They are matched after normalising what hides them: full-width letters
(NFKC), invisible characters, spaces or dots between the characters, traditional script, case.
"""

import re
import unicodedata

from drafting.text.script import to_simplified

_HIDDEN = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))
_SPREAD = re.compile(r"[\s\u3000·•．.\-_*~～|/\\'\"“”‘’「」]+")
_EARLIER = "以上|上述|上面|之前|前面|前文|此前|先前|所有|全部|原有"
INSTRUCTION = re.compile(
    rf"(忽略|无视|忘记|忘掉|不要理会|不必理会)({_EARLIER})|不要遵守|不用遵守|你(现在)?是一个|扮演|系统提示|提示词|"
    r"^系统[:：]|系统[:：].{0,12}(忽略|无视|请|必须|你)|备注[:：].{0,12}(请|务必|一律|统一|不要|忽略|必须)|"
    r"请(把|将)(以上|上述|所有|全部)|(都|一律|统一)写成|注意[:：].{0,6}(请|要|必须)|"
    r"务必.{0,8}(写入|写明|写上|加上|注明)|(总结|报告|文中|稿中|草稿)中?(必须|务必|一定要)(写|加|注明)|"
    r"(?<![邀聘申提])请([^。；，]{0,6})?(在|于)(总结|报告|材料|文|稿|草稿)(中|里)[^。；]{0,6}"
    r"(写(?!作)|加(?![强油大快深])|注明|列入|提及|体现|突出|说明)|"
    r"(总结|报告)中(要|应|须)(写明|写上|写入|加上|注明|列入|提及)|"
    r"ignore(all|the|previous|above|prior|earlier|any)|systemprompt|youarenow|disregard|forget(all|previous|the)",
    re.I,
)


def is_instruction(text: str) -> bool:
    """Whether `text` reads as an instruction to the writer, however it is disguised."""
    seen = to_simplified(unicodedata.normalize("NFKC", text).translate(_HIDDEN))
    return bool(INSTRUCTION.search(_SPREAD.sub("", seen).lower()))
