"""Prose materials (简报, 月报, notices, minutes) read into located paragraphs, and the offline extractor.

The offline extractor is rules only: sentences that state a value and name an activity become candidate
facts, with the sentence itself as the excerpt, so every value is in its excerpt by construction.
Sentences that read as instructions to the writer are set aside, never made facts; so is a sentence that
states a figure but names no activity, shown to the user rather than dropped, and so is one with a number
that is read as no value (no unit the reader knows): no sentence with a figure vanishes in silence.
"""

import re
from dataclasses import dataclass

from drafting.documents.docx import CELL_SEPARATOR
from drafting.documents.reader import read_pages_bytes
from drafting.materials.model import Candidate, SetAside, Source
from drafting.materials.values import stated_values, states_a_figure
from drafting.text import instructions
from drafting.text.script import to_simplified
from drafting.writing.themes import keyword_theme

MIN_CHINESE = 10  # a short activity notice is still a material (a report must have 50)
WRAPPED_LINE_CHARS = 25
_SENTENCE_END = re.compile(r"[。！？；：!?;:”’）)]$")
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
_ACTIVITY = re.compile(
    r"开展|组织|举办|举行|召开|走访|慰问|看望|发放|资助|救助|帮扶|发展|新增|吸纳|参加|参与|参赛|获得|荣获|"
    r"评选|表彰|培训|宣讲|学习|建成|建设|投入|签订|审议|通过|完成|覆盖|服务|接待|办理|落实|安排|送|"
    r"共有|累计|达到|惠及|体检|疗休养|竞赛|比赛|活动|建立|成立|创建|选树|命名|收入|支出|结余|拨缴|上缴|参保|投保|"
    r"入会|捐款|捐赠|调解|受理|提供|开通|走访|签约"
)
_TO_THE_WRITER = re.compile(
    r"请(在|于)?(总结|报告|材料|文中|稿中)|(总结|报告)中(要|应|须|务必)|务必写|写明|一律写|统一写"
)


_TO_THE_DRAFTER = "像是写给起草者的指令，不是事实"
_NO_ACTIVITY = "有数字，但看不出是哪项工作，没有列为候选要点；如果有用，请手工加入要点"
_NO_VALUE = "有数字，但没有读出带单位的数值（如“人”“户”“元”“%”），没有列为候选要点；如果有用，请手工加入要点"
# a list number in front: 1、 1． 1. (not the 1. of 1.5万元, nor the 3. of 3.8妇女节), 一、 （一） (1)
_LIST_NUMBER = re.compile(
    r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+(?:、|[.．](?!\d)))"
)


@dataclass(frozen=True)
class Passage:
    file: str
    location: str
    text: str


def read_passages(name: str, data: bytes) -> list[Passage]:
    """The material's paragraphs, each with where it is (第N段, in a PDF 第P页第N段); UserError when the
    file cannot be read."""
    pages = read_pages_bytes(name, data, min_chinese=MIN_CHINESE)
    if len(pages) == 1 and not name.lower().endswith(".pdf"):
        return [Passage(name, f"第{i}段", p) for i, p in enumerate(_paragraphs(pages[0]), start=1)]
    return [
        Passage(name, f"第{page}页第{i}段", p)
        for page, page_text in enumerate(pages, start=1)
        for i, p in enumerate(_paragraphs(page_text), start=1)
    ]


def _paragraphs(text: str) -> list[str]:
    return _rejoined([p.strip() for p in text.split("\n\n") if p.strip()])


def _rejoined(paragraphs: list[str]) -> list[str]:
    """A long line cut mid-sentence (a PDF's wrapped line the reader could not join) joins the next one."""
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and len(joined[-1]) >= WRAPPED_LINE_CHARS and not _SENTENCE_END.search(joined[-1]):
            joined[-1] += paragraph
        else:
            joined.append(paragraph)
    return joined


def is_instruction(text: str) -> bool:
    """Text addressed to the writer: the shared screen, or a material's 请在总结中写明… to whoever drafts."""
    return instructions.is_instruction(text) or bool(_TO_THE_WRITER.search(to_simplified(text)))


def extract_offline(passages: list[Passage]) -> tuple[list[Candidate], list[SetAside]]:
    facts: list[Candidate] = []
    set_aside: list[SetAside] = []
    header: list[str] | None = None  # the table's first row, while its rows follow
    for passage in passages:
        if CELL_SEPARATOR not in passage.text:
            header = None
        elif not stated_values(passage.text):  # a table's header (the next table's too)
            header = passage.text.split(CELL_SEPARATOR)
            continue
        elif is_instruction(passage.text):
            set_aside.append(SetAside(file=passage.file, excerpt=passage.text, reason=_TO_THE_DRAFTER))
            continue
        else:
            if row := _table_row(passage, header or []):
                facts.append(row)
            continue
        for sentence in sentences(passage.text):
            if is_instruction(sentence):
                set_aside.append(SetAside(file=passage.file, excerpt=sentence, reason=_TO_THE_DRAFTER))
                continue
            values = stated_values(sentence)
            if not values:
                if states_a_figure(sentence):  # 共植树12, a unit nobody listed: shown, not lost
                    set_aside.append(SetAside(file=passage.file, excerpt=sentence, reason=_NO_VALUE))
                continue
            if not _ACTIVITY.search(to_simplified(sentence)):  # a 繁體 月報's 舉辦 is 举办
                if states_a_figure(sentence):  # a figure nobody should lose in silence
                    set_aside.append(SetAside(file=passage.file, excerpt=sentence, reason=_NO_ACTIVITY))
                continue
            facts.append(
                Candidate(
                    text=fact_text(sentence),
                    theme=keyword_theme(sentence) or "other",
                    values=values,
                    sources=[Source(file=passage.file, location=passage.location, excerpt=sentence)],
                )
            )
    return facts, set_aside


def _table_row(passage: Passage, header: list[str]) -> Candidate | None:
    """A row of a table in a 简报 (活动｜时间｜人数 / 健步走｜4月｜356人) as a fact, each value named by its
    column: 健步走：时间4月，人数356人. A row with fewer cells than its header (an empty cell is left out
    when the row is read) cannot be matched to the columns, so it keeps its cells in order."""
    values = stated_values(passage.text)
    if not values:
        return None
    cells = passage.text.split(CELL_SEPARATOR)
    if len(cells) == len(header) > 1:
        text = f"{cells[0]}：" + "，".join(
            f"{name}{cell}" for name, cell in zip(header[1:], cells[1:], strict=True)
        )
    else:
        text = "，".join(cells)
    return Candidate(
        text=text,
        theme=keyword_theme(passage.text) or "other",
        values=values,
        sources=[Source(file=passage.file, location=passage.location, excerpt=passage.text)],
    )


def sentences(paragraph: str) -> list[str]:
    """The paragraph's sentences; a fragment under 6 characters only when it states a figure (共36户)."""
    found = [s.strip() for s in _SENTENCE.findall(paragraph)]
    return [s for s in found if len(s) >= 6 or (s and states_a_figure(s))]


def fact_text(sentence: str) -> str:
    """A sentence as a bullet: no list numbering in front, no closing punctuation."""
    text = _LIST_NUMBER.sub("", sentence)
    return text.strip().rstrip("。；;！!？?，, ")
