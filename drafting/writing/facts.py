"""The user's facts file (YAML/JSON, also what the app builds), validated with Chinese messages.

Bullets are data: HTML is stripped to text, markdown images and outside links are neutralised,
emoji dropped, duplicates removed, and lines that look like instructions to a model are set aside
and reported instead of being written into the draft.
"""

import json
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from drafting.corpus.classify import UNIT_TYPES
from drafting.documents.text import decode_text
from drafting.errors import UserError
from drafting.text.control import strip_control
from drafting.text.instructions import is_instruction
from drafting.text.numerals import DIGIT_BY_DIGIT, years_in_digits
from drafting.text.script import Script, detect_script, to_simplified

ReportType = Literal["summary_and_plan", "summary", "half_year", "plan"]
MAX_TOTAL_CHARS = 20_000  # facts, problems and plans together
MAX_BULLETS = 400
MAX_BULLET_CHARS = 6_000
MAX_ORGANIZATION_CHARS = 60

_PERIOD = re.compile(r"^(?P<year>(19|20)\d{2})\s*年\s*(?P<span>上半年|下半年|度|第[一二三四]季度)?$")
# a school's year: 2024-2025学年, 2024—2025学年度, 2025学年
_SCHOOL_YEAR = re.compile(r"^(?P<year>(19|20)\d{2})(?:[-—–－~～至/](?P<end>(19|20)\d{2}))?学年度?$")

# No bracket of a kind inside its own span, so each search stops at the next opening one: with "[^\]]*",
# 100,000 "![" took minutes (every one scanned to the end).
_SCRIPT_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_HTML_TAG = re.compile(r"<[^<>\n]{1,200}>")
_MD_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\((https?:)?//[^()]*\)")
_URL = re.compile(r"(?:https?://|www\.)[\x21-\x7e]+?(?=[\s\"'<>]|[^\x00-\x7f]|$)")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]")

_FIELD_NAMES = {
    "organization": "单位名称（organization）",
    "period": "总结期间（period）",
    "facts": "工作要点（facts）",
    "report_type": "报告类型（report_type）",
    "target_chars": "目标字数（target_chars）",
    "org_type": "单位类型（org_type）",
}


CarryoverStatus = Literal["done", "partial", "not_mentioned"]


class CarryoverRow(BaseModel):
    """One item of last year's plan as the user confirmed it, with what they chose to do about it."""

    plan: str = Field(min_length=1)
    status: CarryoverStatus
    decision: Literal["", "add_fact", "problem", "carry"] = ""
    facts: list[str] = []  # this year's facts the status rests on (a fact the user added, too)


class CarryoverTable(BaseModel):
    """The 上年计划对照 the user confirmed: the draft's tally is counted from these rows, never guessed."""

    rows: list[CarryoverRow] = Field(min_length=1)

    def tally(self) -> str:
        """年初确定的8项重点工作，已完成5项，部分完成2项，1项未完成。"""
        total = len(self.rows)
        done, partial, undone = (sum(r.status == s for r in self.rows) for s in CarryoverStatus.__args__)
        if done == total:
            return f"年初确定的{total}项重点工作已全部完成。"
        counts = [f"已完成{done}项" if done else "", f"部分完成{partial}项" if partial else ""]
        counts.append(f"{undone}项未完成" if undone else "")
        return f"年初确定的{total}项重点工作，" + "，".join(c for c in counts if c) + "。"


class Facts(BaseModel):
    carryover: CarryoverTable | None = None  # set only from the table the user confirmed (上年计划对照)
    organization: str = Field(min_length=2, max_length=MAX_ORGANIZATION_CHARS)
    org_type: str | None = None
    period: str
    next_period: str | None = None
    report_type: ReportType = "summary_and_plan"
    facts: list[str] = Field(min_length=1)
    problems: list[str] = []
    plans: list[str] = []
    tone: str = "正式"
    reference: str | None = None
    target_chars: int = Field(3000, ge=800, le=20000)
    flagged: list[str] = Field(default=[], description="lines set aside as instructions, for the user to see")
    sources: dict[str, list[dict[str, str]]] = Field(
        default={}, description="fact → where it came from ({file, location, excerpt}), kept from extraction"
    )

    @field_validator("organization", "period", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return _clean(value).strip() if isinstance(value, str) else value

    @field_validator("facts", "problems", "plans", mode="before")
    @classmethod
    def _no_control_characters(cls, value: object) -> object:
        """Facts stored in drafts saved before the cleaning may hold control characters."""
        return (
            [strip_control(line) if isinstance(line, str) else line for line in value]
            if isinstance(value, list)
            else value
        )

    @field_validator("org_type")
    @classmethod
    def _org_type(cls, value: str | None) -> str | None:
        if value and to_simplified(value) not in UNIT_TYPES:
            raise ValueError(f"只能是 {'、'.join(UNIT_TYPES)} 之一（也可不填，按单位名称判断）")
        return value or None

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        read = _as_digits(value)
        school = _SCHOOL_YEAR.match(read)
        if not (_PERIOD.match(read) or school):
            raise ValueError("无法识别，请写成“2025年”“2025年上半年”“2024-2025学年”这样的形式")
        if school and school.group("end") and int(school.group("end")) != int(school.group("year")) + 1:
            raise ValueError("的学年应是相邻的两年，如“2024-2025学年”")
        # 二〇二五年 → 2025年: the title and its next period (2026年) then match, and the guard reads it
        return years_in_digits(value.strip())

    @model_validator(mode="after")
    def _derive(self) -> "Facts":
        if not self.next_period:
            self.next_period = derive_next_period(self.period)
        if self.report_type == "summary_and_plan" and re.search("上半年", to_simplified(self.period)):
            self.report_type = "half_year"
        return self

    @property
    def script(self) -> Script:
        return detect_script(self.organization + "".join(self.facts))


def _as_digits(period: str) -> str:
    """The period as matched: simplified, without spaces, a year in Chinese numerals (二〇二五年) in digits."""
    text = to_simplified(period).replace(" ", "").replace("\u3000", "")
    return re.sub(r"^[〇零一二三四五六七八九]{4}", lambda m: m.group(0).translate(DIGIT_BY_DIGIT), text)


def derive_next_period(period: str) -> str:
    read = _as_digits(period)
    if school := _SCHOOL_YEAR.match(read):
        year = int(school.group("year"))
        return f"{year + 1}-{year + 2}学年" if school.group("end") else f"{year + 1}学年"
    m = _PERIOD.match(read)
    if not m:
        return "下一阶段"
    year = int(m.group("year"))
    return f"{year}年下半年" if m.group("span") == "上半年" else f"{year + 1}年"


def parse_facts(data: dict) -> Facts:
    """Validate raw facts (from a file or the app); raise UserError listing every problem in Chinese."""
    if not isinstance(data, dict):
        raise UserError("要点文件的格式不对：最外层应是“字段: 值”的形式（YAML 或 JSON 对象）。")
    data = dict(data)
    flagged: list[str] = []
    for key in ("facts", "problems", "plans"):
        lines = data.get(key) or []
        if isinstance(lines, str):  # a <script> pasted over several lines goes before the text is split
            lines = _SCRIPT_BLOCK.sub("", lines).splitlines()
        if not isinstance(lines, list):
            raise UserError(f"{_FIELD_NAMES.get(key, key)}应是一条一行的列表。")
        kept, set_aside = _clean_lines(_lines_of_text(key, lines))
        data[key] = kept
        flagged += set_aside
    _check_size(data)
    try:
        facts = Facts(**data)
    except ValidationError as error:
        raise UserError(_explain(error)) from error
    _require_current_table(facts)
    facts.flagged = flagged
    return facts


def _require_current_table(facts: Facts) -> None:
    """The confirmed 对照表 still rests on the facts: a row whose facts were all deleted since would give
    the draft a tally (…已全部完成) no fact supports."""
    if facts.carryover is None:
        return
    kept = set(facts.facts)
    gone = [
        row.plan for row in facts.carryover.rows if row.facts and not kept & {_bullet(f) for f in row.facts}
    ]
    if gone:
        raise UserError(
            f"上年计划对照表中“{'”“'.join(gone[:3])}”{'等' if len(gone) > 3 else ''}所依据的要点已在工作要点中删去或改动，"
            "对照表与要点不再相符：请重新对照上年计划（或取消对照）后再起草。"
        )


class _AsWritten(yaml.SafeLoader):
    """YAML that keeps every value as typed. YAML 1.1 reads 010 as 8, 12:30 as 750, 1_000 as 1000, 3.50
    as 3.5 and 2025-03-08 as a date, and a fact's number must reach the draft exactly as the user wrote
    it. Only an empty value stays None."""


_AsWritten.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_facts_file(path: Path) -> Facts:
    if not path.exists():
        raise UserError(f"找不到要点文件：{path}")
    text = decode_text(path.name, path.read_bytes())
    try:
        if path.suffix.lower() == ".json":  # numbers as written: 3.50 stays 3.50
            data = json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
        else:
            data = yaml.load(text, Loader=_AsWritten)  # noqa: S506 - a SafeLoader with fewer resolvers
    except json.JSONDecodeError as error:
        raise UserError(
            f"要点文件 {path.name} 不是有效的 JSON：第 {error.lineno} 行第 {error.colno} 列附近格式有误。"
            "常见原因：少了逗号或引号，或最后一项后面多了逗号。"
        ) from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列附近" if mark else ""
        raise UserError(
            f"要点文件 {path.name} 不是有效的 YAML：{where}格式有误。"
            "常见原因：引号没有成对、冒号后少了空格、缩进不齐；一条要点里有冒号（:）时请给整行加引号。"
        ) from error
    return parse_facts(data)


def _lines_of_text(key: str, lines: list) -> list[str]:
    """Each item as its text; an empty item is left out; a mapping or a list (a YAML slip: 慰问: 20人 is
    a mapping) is refused, never written into the draft as {'慰问': '20人'}."""
    for number, line in enumerate(lines, start=1):
        if isinstance(line, dict | list):
            shown = yaml.safe_dump(
                line, allow_unicode=True, default_flow_style=True, sort_keys=False
            ).strip()[:80]
            raise UserError(
                f"{_FIELD_NAMES.get(key, key)}的第 {number} 条不是一行文字：{shown}。每条写成一行文字，"
                "如“- 慰问困难职工20户”；一条里有冒号（:）时请给整行加引号。"
            )
    return [str(line) for line in lines if line is not None]


def _clean(text: str) -> str:
    """Markup becomes its text: tags before URLs, so a link inside a tag does not swallow the words after it."""
    text = strip_control(text)  # typed or pasted control characters would break Word export and the display
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _SCRIPT_BLOCK.sub("", text)  # a script's or a style's content is code, not words of the fact
    text = _HTML_TAG.sub("", text)
    text = _URL.sub("", text)
    text = re.sub(
        r"\*\*|__|`", "", text
    )  # bold and code marks: a model drops them, the fact must still match
    text = _EMOJI.sub("", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _clean_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    kept: dict[str, None] = {}  # ordered, and a set for the duplicate check
    flagged: list[str] = []
    for raw in lines:
        line = _bullet(raw)
        if not line:
            continue
        if is_instruction(line):
            flagged.append(line)
        else:
            kept[line] = None
    return list(kept), flagged


def _bullet(raw: str) -> str:
    """A line as a bullet is kept: no list marks in front, no closing punctuation."""
    return _clean(raw).strip("-•·* \u3000").rstrip("。；;，,")


def _check_size(data: dict) -> None:
    lines = [*data.get("facts", []), *data.get("problems", []), *data.get("plans", [])]
    total = sum(len(line) for line in lines)
    if len(lines) > MAX_BULLETS:
        raise UserError(f"要点共 {len(lines)} 条，超过 {MAX_BULLETS} 条的上限。请合并同类要点后再生成。")
    if total > MAX_TOTAL_CHARS:
        raise UserError(
            f"要点总字数 {total} 字，超过 {MAX_TOTAL_CHARS} 字的上限。请精简后再生成，以免草稿被截断。"
        )
    if any(len(line) > MAX_BULLET_CHARS for line in lines):
        raise UserError(f"有一条要点超过 {MAX_BULLET_CHARS} 字。请把它拆成几条。")


def _explain(error: ValidationError) -> str:
    messages = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        name = _FIELD_NAMES.get(field, field)
        kind = item["type"]
        if kind == "missing":
            messages.append(f"缺少{name}。")
        elif kind == "too_short" and field == "facts":
            messages.append("工作要点不能为空，至少写一条。")
        elif kind in ("too_short", "string_too_short"):
            messages.append(f"{name}太短。")
        elif kind == "string_too_long":
            messages.append(f"{name}太长。")
        elif kind == "literal_error":
            messages.append(f"{name}只能是 summary_and_plan、summary、half_year 或 plan。")
        elif kind.startswith(("greater", "less")):
            messages.append(f"{name}应在 800 到 20000 之间。")
        elif kind == "value_error":
            messages.append(f"{name}{str(item['msg']).removeprefix('Value error, ')}。")
        else:
            messages.append(f"{name}填写有误。")
    return "要点文件有问题：" + "".join(messages)
