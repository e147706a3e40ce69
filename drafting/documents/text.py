"""Plain text, Markdown and pasted text: decode the bytes and restore the paragraphs.

Text pasted from a PDF viewer, a web page or WeChat arrives with one line break per visual line
and half-width punctuation; the parser needs one paragraph per block and the 一、/（一）/1.
numbering at the start of a paragraph. Wrapped lines are recognised by reaching the common
right margin (most lines of wrapped text have almost the same width); a line that ends a
sentence, or is clearly shorter than that margin, ends its paragraph.
"""

import re
import unicodedata
from functools import cache

from drafting.errors import UserError
from drafting.resources import load_data

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NUMERALS = "一二三四五六七八九十"
HEADING_START = re.compile(
    rf"^(?:[{_NUMERALS}]{{1,3}}\s*[、，,．.]|[（(](?:[{_NUMERALS}]{{1,3}}|\d{{1,2}})[）)]"
    rf"|第[{_NUMERALS}]{{1,3}}(?:\s*[、，,．.：:]|部分|章|节)|\d{{1,2}}\s*[、．.](?!\d)|[①-⑳])"
)
_SENTENCE_END = "。！？；：!?;:…"
_CLOSERS = "”’」』）)】》\"'"
_CONTINUES = "，、,（(“‘《—-"
_WRAP_SLACK = 6  # display columns (three Chinese characters) a wrapped line may fall short of the margin
_INDENT = re.compile(r"^(?:\u3000|\s{2,})")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_HALF_PUNCT = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_HALF_PUNCT_AFTER_CJK = re.compile(
    rf"(?<=[{CJK}）”’》」』】])[ \t]*([,:;?!])(?=[ \t]*(?:[{CJK}“‘《（(\d]|$))"
)
_CHINESE = re.compile(f"[{CJK}]")
_ENCODINGS = ("utf-8-sig", "gb18030", "big5", "utf-16-le", "utf-16-be")
_COMMON_CHARACTERS = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多"
    "定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因"
    "由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解"
    "问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少"
    "图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七"
    "海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目"
    "至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算"
    "低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往历市克何除消构府称太准精值"
    "号率族维划选标写存候亲快效院查江型眼王按格养易置派层片始专状育厂京识适属包火住调满县局照参红细引听该价严职慰困"
    "帮扶竞赛女福利活动训培"
)
_HALF_PARENS = re.compile(r"\(([^()\n]{1,60})\)")
_TITLE_SUFFIX = re.compile(
    rf"\s*(?:篇\s*[\d{_NUMERALS}]+|[\d{_NUMERALS}]+\s*篇|(?:范文|模板|样本|大全)\s*[\d{_NUMERALS}]*"
    rf"|[（(](?:[\d{_NUMERALS}]{{1,3}}|(?:精选|通用|实用|优秀)?\s*\d+\s*篇)[）)])$"
)
_TITLE_END = re.compile(r"(总结|计划|要点|安排|报告|汇报|述职)$")
MAX_TITLE_CHARS = 50
_MAX_TITLE_SUFFIX_CHARS = 30  # "（精选 12 篇）", "范文大全3" and the spaces before them
_MARKDOWN_MARKS = [
    (re.compile(r"^\s{0,3}#{1,6}\s+"), ""),
    (re.compile(r"^\s{0,3}>\s?"), ""),
    (re.compile(r"^\s{0,3}[-*+]\s+(?=\S)"), ""),
    (re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$"), ""),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
]


def decode_text(name: str, data: bytes) -> str:
    """Decode text bytes as Chinese office PCs write them: UTF-8, UTF-16 (with or without a BOM), GBK/GB18030
    or Big5 (Taiwan, Hong Kong). Where several decode cleanly, the one that reads as common Chinese wins."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass  # a BOM-like start on binary data; judged below like any other bytes
    decoded = [
        (encoding, text) for encoding in _ENCODINGS if (text := _clean_decode(data, encoding)) is not None
    ]
    if decoded[:1] and decoded[0][0] == "utf-8-sig":
        return decoded[0][1]
    if decoded:
        return max(decoded, key=lambda candidate: _reads_as_chinese(candidate[1]))[1]  # first of equals
    if b"\x00" in data[:4096]:
        raise UserError(f"“{name}”看起来是二进制文件（如图片、压缩包或可执行文件），不是文本。")
    raise UserError(
        f"“{name}”的文字编码无法识别（试过 UTF-8、UTF-16、GBK/GB18030 和 Big5），请另存为 UTF-8 文本后再导入。"
    )


def _clean_decode(data: bytes, encoding: str) -> str | None:
    """The text if `data` decodes strictly and is not full of control characters (a wrong guess usually is)."""
    if encoding.startswith("utf-16") and len(data) % 2:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return None if controls > max(5, len(text) // 100) else text


def _reads_as_chinese(text: str) -> float:
    """The share of Chinese characters, in a sample, that are among the most common ones (a Big5 file read
    as GBK, or UTF-16 read as GBK, gives rare characters)."""
    from drafting.text.script import to_simplified

    sample = to_simplified(text[:20_000])
    chinese = [ch for ch in sample if _CHINESE.match(ch)]
    return sum(ch in _COMMON_CHARACTERS for ch in chinese) / len(chinese) if chinese else 0.0


def count_chinese(text: str) -> int:
    return len(text) - len(_CHINESE.sub("", text))  # findall would build one string per character


def strip_markdown(text: str) -> str:
    """Remove Markdown marks (## headings, **bold**, list bullets) so '## 一、…' reads as '一、…'."""
    lines = []
    for line in text.split("\n"):
        for pattern, replacement in _MARKDOWN_MARKS:
            line = pattern.sub(replacement, line)
        lines.append(line)
    return "\n".join(lines)


def normalise_pasted_text(text: str, fix_marks: bool = True) -> str:
    """Paragraphs separated by blank lines, wrapped lines rejoined, Chinese punctuation (unless `fix_marks`
    is off: the proofreader must see the marks as written), a clean title."""
    text = unicodedata.normalize("NFC", text).translate(_radicals_to_ideographs()).translate(_INVISIBLE)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    paragraphs = [fix_punctuation(p) if fix_marks else p for p in _join_wrapped_lines(lines)]
    if paragraphs:
        paragraphs[0] = strip_title_suffix(paragraphs[0])
    return "\n\n".join(p for p in paragraphs if p)


@cache
def _radicals_to_ideographs() -> dict[int, str]:
    """PDF text (and text copied out of PDFs) often has radicals like ⼯ ⺠ where 工 民 were meant."""
    return str.maketrans(load_data("cjk_radicals.yaml"))


def fix_punctuation(paragraph: str) -> str:
    """Half-width , : ; ? ! ( ) written among Chinese characters become their full-width forms."""

    def parens(match: re.Match[str]) -> str:
        before = paragraph[match.start() - 1] if match.start() else ""
        after = paragraph[match.end()] if match.end() < len(paragraph) else ""
        if _CHINESE.search(match.group(1)) or _CHINESE.match(before) or _CHINESE.match(after):
            return f"（{match.group(1)}）"
        return match.group(0)

    paragraph = _HALF_PARENS.sub(parens, paragraph)
    return _HALF_PUNCT_AFTER_CJK.sub(lambda m: _HALF_PUNCT[m.group(1)], paragraph)


def strip_title_suffix(title: str) -> str:
    """'XX学校工会2023年度工作总结篇1' → 'XX学校工会2023年度工作总结': the web page's '篇1/范文一/（一）' goes."""
    if len(title) > MAX_TITLE_CHARS + _MAX_TITLE_SUFFIX_CHARS:
        return title  # no title; and each search below is quadratic in the length (a 16,000-character line took 15 s)
    stripped = title
    while (match := _TITLE_SUFFIX.search(stripped)) and match.start() > 0:
        stripped = stripped[: match.start()]
    return (
        stripped
        if stripped != title and _TITLE_END.search(stripped) and len(stripped) <= MAX_TITLE_CHARS
        else title
    )


def display_width(line: str) -> int:
    """Columns a line takes: Chinese characters and full-width forms count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _join_wrapped_lines(lines: list[str]) -> list[str]:
    texts = [line.strip() for line in lines if line.strip()]
    margin = _wrap_margin(texts)
    indented_lines = sum(1 for line in lines if line.strip() and _INDENT.match(line))
    indent_marks_paragraphs = indented_lines * 2 < len(texts)  # when every line is indented, it means nothing
    paragraphs: list[str] = []
    previous = ""  # the last non-blank input line, "" right after a blank line
    for line in lines:
        text = line.strip()
        if not text:
            previous = ""
            continue
        indented = indent_marks_paragraphs and bool(_INDENT.match(line))
        if previous and not indented and _continues(previous, text, margin):
            paragraphs[-1] += _glue(previous, text) + text
        else:
            paragraphs.append(text)
        previous = text
    return paragraphs


def _wrap_margin(lines: list[str]) -> int | None:
    """The right margin of hard-wrapped text, or None when lines are whole paragraphs."""
    widths = sorted(display_width(line) for line in lines)
    if len(widths) < 4:
        return None
    margin = widths[int(len(widths) * 0.9)] - _WRAP_SLACK
    at_margin = sum(1 for width in widths if width >= margin)
    return margin if margin > 2 * _WRAP_SLACK and at_margin >= max(3, len(widths) // 3) else None


def _continues(previous: str, line: str, margin: int | None) -> bool:
    """Whether `line` carries on the paragraph whose last line was `previous`."""
    if HEADING_START.match(line):
        return False
    last = previous.rstrip(_CLOSERS)[-1:]
    if last and last in _SENTENCE_END:
        return False
    if previous[-1] in _CONTINUES:
        return True
    return margin is not None and display_width(previous) >= margin


def _glue(left: str, right: str) -> str:
    """Rejoined English words need their space back; Chinese text joins directly."""
    return (
        " " if left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum() else ""
    )
