"""The template writer: the offline engine's section writer — no model, deterministic, in milliseconds.

The user's facts are written verbatim into "一是……；二是……" enumerations; everything around them
is connective 公文 phrasing from the theme schema, which carries no numbers, dates or names. Where the
user gave no problems or plans, a clearly marked 【待补充】 placeholder stands instead of invented text.
"""

from typing import TYPE_CHECKING

from drafting.models.protocol import Delta, TokenUsage
from drafting.text.lexicon import shares_content_words
from drafting.text.numerals import chinese_numeral
from drafting.text.script import to_script
from drafting.writing.facts import Facts
from drafting.writing.outline import Outline, PlannedSection, unit_type
from drafting.writing.themes import theme_by_key

if TYPE_CHECKING:
    from drafting.writing.pipeline import SectionJob

ITEMS_PER_PARAGRAPH = 4
# a work section with no facts of its own (a heading a reviewer added in Word, with no words under it)
WORK_GAP = "【待补充：请填写这部分的工作情况】"
MAX_NUMBERED_ITEMS = 10
_UNIT_WORDS = {
    "学校": ("教育教学中心工作", "教职工", "学校高质量发展", "上级工会和单位党组织"),
    "医院": ("医疗卫生服务中心工作", "医务职工", "医院高质量发展", "上级工会和单位党组织"),
    "企业": ("生产经营中心工作", "职工", "企业高质量发展", "上级工会和单位党组织"),
    "机关": ("机关中心工作", "干部职工", "全面完成各项工作任务", "上级工会和单位党组织"),
    "地方工会": ("地方经济社会发展大局", "职工", "辖区工会工作高质量发展", "同级党委和上级工会"),
}
_DEFAULT_UNIT_WORDS = ("单位中心工作", "职工", "单位高质量发展", "上级工会和单位党组织")
OFFLINE_ENGINE = "offline"
SHORTER = ("简洁", "精简", "压缩", "简短")
FOLLOWED = (*SHORTER, "正式")  # instructions the offline engine can honour (its phrasing is already formal)


def follows_instruction(instruction: str) -> bool:
    return any(word in instruction for word in FOLLOWED)


def enumerate_facts(facts: list[str]) -> list[str]:
    """Paragraphs of '一是……；二是……。' with the facts exactly as written.

    Past ten items "十一是" reads badly, so a long list is written as plain "；"-joined sentences.
    """
    if len(facts) == 1:
        return [f"{facts[0]}。"]
    numbered = len(facts) <= MAX_NUMBERED_ITEMS
    paragraphs = []
    for start in range(0, len(facts), ITEMS_PER_PARAGRAPH):
        chunk = facts[start : start + ITEMS_PER_PARAGRAPH]
        items = [
            f"{chinese_numeral(start + i + 1)}是{fact}" if numbered else fact for i, fact in enumerate(chunk)
        ]
        paragraphs.append("；".join(items) + "。")
    return paragraphs


def opening_tally(planned: PlannedSection, facts: Facts, outline: Outline) -> str:
    """The tally of last year's plan that opens the work part: only from the table the user confirmed."""
    first_work = next((s.key for s in outline.sections if s.kind == "work"), None)
    if facts.carryover is None or planned.key != first_work:
        return ""
    return to_script(facts.carryover.tally(), facts.script)


def write_section(
    planned: PlannedSection, facts: Facts, outline: Outline, variant: int = 0, instruction: str = ""
) -> str:
    """The text of one section. `variant` picks other connective phrasing, for regeneration."""
    concise = any(word in instruction for word in SHORTER)
    script = facts.script

    def t(text: str) -> str:  # connective phrasing follows the user's script; facts stay as typed
        return to_script(text, script)

    if planned.kind == "opening":
        return _opening(facts, outline, t)
    if planned.kind == "closing":
        return _closing(facts, t)
    if planned.kind == "problems":
        if not planned.facts:
            return t("【待补充：请填写本期工作中存在的问题和不足】")
        lead = "" if concise else t("在肯定成绩的同时，我们也清醒地认识到，工作中还存在一些不足：")
        return lead + "\n\n".join(enumerate_facts(planned.facts))
    if planned.kind == "plan":
        return _plan(planned, facts, outline, t, concise)
    if not planned.facts:  # a work section a reviewer added in Word, with no facts of its own
        return t(WORK_GAP)
    theme = theme_by_key(planned.theme)
    body = enumerate_facts(planned.facts)
    tally = [opening_tally(planned, facts, outline)]
    if concise:
        return "\n\n".join(p for p in tally + body if p)
    lead = t(theme.leads[variant % len(theme.leads)])
    closer = t(theme.closers[variant % len(theme.closers)])
    body[0] = lead + body[0]
    body[-1] = body[-1].removesuffix("。") + t("，") + closer
    return "\n\n".join(p for p in tally + body if p)


class TemplateWriter:
    """The offline engine's writer: the user's facts verbatim inside connective 公文 phrasing.

    It never invents, so the guard has nothing to send back (`revises` is False); a regeneration asks
    for another `variant` of the connective phrasing instead.
    """

    engine = OFFLINE_ENGINE
    max_concurrency: int | None = None
    revises = False

    async def write(self, job: "SectionJob", on_delta: Delta) -> tuple[str, TokenUsage]:
        text = write_section(job.planned, job.facts, job.outline, job.variant, job.instruction)
        on_delta(text)
        return text, TokenUsage()

    async def aclose(self) -> None:
        pass


def _words(facts: Facts) -> tuple[str, str, str, str]:
    return _UNIT_WORDS.get(unit_type(facts) or "", _DEFAULT_UNIT_WORDS)


def _opening(facts: Facts, outline: Outline, t) -> str:  # noqa: ANN001
    center, staff, _, leaders = _words(facts)
    themes = [theme_by_key(s.theme).name for s in outline.sections if s.kind == "work" and s.theme != "other"]
    scope = f"在{'、'.join(themes)}等方面扎实开展工作，取得了积极成效。" if themes else "扎实开展各项工作。"
    if facts.report_type == "plan":
        return f"{facts.next_period}，{facts.organization}" + t(
            f"将在{leaders}的领导下，紧紧围绕{center}，"
            f"团结带领广大{staff}，扎实推进各项工作。现将{facts.next_period}工作计划安排如下："
        )
    report = {
        "summary_and_plan": f"现将{facts.period}工作情况和{facts.next_period}工作计划报告如下：",
        "summary": f"现将{facts.period}工作总结如下：",
        "half_year": f"现将{facts.period}工作情况和下半年工作安排报告如下：",
    }[facts.report_type]
    return (
        f"{facts.period}，{facts.organization}"
        + t(f"在{leaders}的正确领导下，紧紧围绕{center}，坚持以职工为中心的工作导向，团结带领广大{staff}，")
        + t(scope)
        + t(report)
    )


def _closing(facts: Facts, t) -> str:  # noqa: ANN001
    _, staff, goal, leaders = _words(facts)
    return f"{facts.next_period}，{facts.organization}" + t(
        f"将在{leaders}的坚强领导下，团结带领广大{staff}，"
        f"进一步增强服务意识，扎实推进各项工作，为{goal}作出新的更大贡献。"
    )


def _plan(planned: PlannedSection, facts: Facts, outline: Outline, t, concise: bool) -> str:  # noqa: ANN001
    lines = []
    if not concise:
        lines.append(t("围绕上述工作，我们将在巩固已有成效的基础上，重点做好以下工作："))
    measures = list(planned.facts)
    problems = next((s.facts for s in outline.sections if s.kind == "problems"), [])
    for problem in problems:
        if not any(shares_content_words(problem, measure) for measure in measures):
            measures.append(t("针对“") + problem + t("”的问题，【待补充：具体改进措施】"))
    if not measures:
        themes = "、".join(theme_by_key(s.theme).name for s in outline.sections if s.kind == "work")
        hint = f"，可围绕{themes}等方面逐条填写" if themes else ""
        return "\n\n".join([*lines, t(f"【待补充：请填写下一阶段的工作计划{hint}】")])
    lines += [f"（{chinese_numeral(i)}）{measure}。" for i, measure in enumerate(measures, start=1)]
    return "\n\n".join(lines)
