"""The Draft: title and ordered sections, each knowing the facts it uses and the passages that informed it."""

import re
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from drafting.errors import UserError
from drafting.models.protocol import TokenUsage
from drafting.retrieval.hit import Hit
from drafting.text.control import strip_control
from drafting.text.numerals import chinese_numeral
from drafting.writing.facts import Facts

SectionKind = Literal["opening", "work", "experience", "problems", "plan", "closing"]
SectionStatus = Literal["pending", "ok", "flagged", "failed"]

MARKDOWN_LINE_BREAK = "  \n"  # two spaces end a line without ending the paragraph


class DraftSection(BaseModel):
    key: str = Field(description="stable across regenerations, e.g. 'work-care', 'plan'")
    kind: SectionKind
    heading: str = Field(description="heading without its number; '' for opening and closing")
    text: str = ""
    facts: list[str] = []
    sources: list[Hit] = []
    theme: str = Field("", description="the theme a work section was planned under (themes.yaml key)")
    budget_chars: int = 0
    status: SectionStatus = "ok"
    error: str = ""
    flags: list[str] = Field(default=[], description="values the fact guard found no support for")
    missing_facts: list[str] = Field(default=[], description="this section's own facts it left out")
    previous_versions: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _theme_of_older_drafts(cls, data: Any) -> Any:
        """Drafts saved before sections stored their theme carry it only in the key ('work-care')."""
        if isinstance(data, dict) and "theme" not in data and str(data.get("key", "")).startswith("work-"):
            data = {**data, "theme": str(data["key"]).removeprefix("work-").split("-")[0]}
        return data

    @field_validator("heading", "text", "previous_versions", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        """Drafts stored before facts were cleaned may hold control characters: they break Word and the display."""
        return _without_control(value)

    @property
    def has_findings(self) -> bool:
        """Anything to settle before the draft goes out: the guard's findings, or a gap to write."""
        return bool(self.flags or self.missing_facts or section_gaps(self))


def _without_control(value: Any) -> Any:
    if isinstance(value, str):
        return strip_control(value)
    if isinstance(value, list):
        return [strip_control(item) if isinstance(item, str) else item for item in value]
    return value


_KIND_NAMES = {"opening": "开头", "work": "工作", "experience": "经验体会", "problems": "存在的问题",
               "plan": "工作计划", "closing": "结尾"}  # fmt: skip
GAP = re.compile(r"【待[补補]充[^】]*】")  # what the offline engine leaves for the user to write
FAILED_NOTICE = "以下部分生成失败，可单独重新生成："  # drafts saved before 12-07 keep it among their warnings
PENDING_NOTICE = "起草中途停止（离开了页面，或程序被关闭），以下部分还没有写，可重新生成："


def engine_name(engine: str) -> str:
    """What wrote the draft, as a user calls it: 离线引擎, or 大模型 and the model's name (engine llm:<model>)."""
    if engine == "offline":
        return "离线引擎"
    return f"大模型 {engine.removeprefix('llm:')}" if engine.startswith("llm:") else engine


def section_name(kind: str, heading: str) -> str:
    """What a user calls a section: its heading, or the part of a report it is (开头, 结尾)."""
    return heading or _KIND_NAMES.get(kind, kind)


def section_gaps(section: DraftSection) -> list[str]:
    """What the user still has to write here before the draft goes out: a placeholder, or the note of a
    section that failed or was never written."""
    if section.status in ("failed", "pending"):
        return [section_body(section)]
    return GAP.findall(section.text)


def section_body(section: DraftSection) -> str:
    """The section's text, or a marked note where there is none yet."""
    if section.status == "failed":
        return f"【本部分生成失败：{section.error}】"
    if section.status == "pending":
        return "【本部分尚未生成，可点击“重新生成”】"
    return section.text


def signers(names: str) -> list[str]:
    """The units a 落款 names, one to a line as a joint 落款 stores them (blank lines dropped)."""
    return [line.strip() for line in names.split("\n") if line.strip()]


class Draft(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    title: str
    facts: Facts
    sections: list[DraftSection]
    engine: str
    usage: TokenUsage = TokenUsage()
    warnings: list[str] = []
    created_at: str = Field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    # 落款 as a reviewer corrected it in Word ("" : the unit's name, the day it was drafted); the units of a
    # joint 落款 one to a line
    signed_by: str = ""
    signed_on: str = ""
    unsigned: bool = Field(False, description="the reviewers deleted the 落款 in Word: exports write none")

    @field_validator("title", "signed_by", "signed_on", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return _without_control(value)

    def section(self, key: str) -> DraftSection:
        for section in self.sections:
            if section.key == key:
                return section
        keys = "、".join(s.key for s in self.sections)
        raise UserError(f"草稿里没有“{key}”这一部分。可选：{keys}")

    def default_signature(self) -> tuple[str, str]:
        """The 落款 before anyone corrects it: the unit's name, and the day the draft was made (成文日期 in
        Arabic numerals, as GB/T 9704 writes it)."""
        made = datetime.fromisoformat(self.created_at)
        return self.facts.organization, f"{made.year}年{made.month}月{made.day}日"

    def signature(self) -> tuple[str, str]:
        """The 落款 an export writes under the text (unless `unsigned`): the unit's name (the units of a
        joint 落款 one to a line), then the date."""
        by, on = self.default_signature()
        return self.signed_by or by, self.signed_on or on

    def written_signature(self) -> tuple[str, str]:
        """The 落款 as the Word file shows it: ("", "") when the reviewers deleted it."""
        return ("", "") if self.unsigned else self.signature()

    def signature_lines(self) -> list[str]:
        """The 落款 as the Word file writes it under the text, a line each: every unit's name, then the date;
        none when the reviewers deleted it."""
        if self.unsigned:
            return []
        names, date = self.signature()
        return [*signers(names), date]

    def unwritten(self) -> list[DraftSection]:
        """Sections with no text yet: failed, or never reached (the drafting was cut off)."""
        return [s for s in self.sections if s.status in ("failed", "pending")]

    def notices(self) -> list[str]:
        """What the faces show above the draft: its warnings, and which parts are still unwritten, as they
        are now (a stored 以下部分生成失败 of a section regenerated since is no longer said)."""
        kept = [w for w in self.warnings if not w.startswith(FAILED_NOTICE)]
        failed = [section_name(s.kind, s.heading) for s in self.sections if s.status == "failed"]
        pending = [section_name(s.kind, s.heading) for s in self.sections if s.status == "pending"]
        if failed:
            kept.append(FAILED_NOTICE + "、".join(failed))
        if pending:
            kept.append(PENDING_NOTICE + "、".join(pending))
        return kept

    def numbered_headings(self) -> dict[str, str]:
        """'一、…' numbering for the headed sections, in order."""
        headed = [s for s in self.sections if s.heading]
        return {s.key: f"{chinese_numeral(i + 1)}、{s.heading}" for i, s in enumerate(headed)}

    def markdown(self, signature: bool = True) -> str:
        """The draft as the Word file has it: the title, the sections, then the 落款 (without it when
        `signature` is False: the text alone, as the checks and measures read it)."""
        numbered = self.numbered_headings()
        parts = [f"# {self.title}"]
        for section in self.sections:
            if section.key in numbered:
                parts.append(f"## {numbered[section.key]}")
            parts.append(section_body(section))
        if signature and (lines := self.signature_lines()):
            parts.append(MARKDOWN_LINE_BREAK.join(lines))  # one block, a line each, as viewers show it
        return "\n\n".join(parts) + "\n"

    @property
    def has_findings(self) -> bool:
        return any(s.has_findings for s in self.sections)

    def plain_text(self, signature: bool = True) -> str:
        return self.markdown(signature).replace("# ", "").replace("#", "").replace(MARKDOWN_LINE_BREAK, "\n")
