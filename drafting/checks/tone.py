"""Tone comparison: style metrics of a text, each explained in Chinese, measured against reference reports.

The distance is the mean absolute z-score of the text's metrics against the references' spread
(capped at 3 per metric), so 0 reads like the references and 2+ reads clearly unlike them.
"""

import re
import statistics
from functools import lru_cache

from pydantic import BaseModel, Field

from drafting.errors import UserError
from drafting.resources import load_data
from drafting.text.lexicon import tokenize
from drafting.text.script import to_simplified

STOCK_PHRASES = (
    "紧紧围绕 切实 扎实 不断 进一步 充分发挥 积极 认真贯彻 坚持 取得了 有力 深入开展 大力 着力 全面 稳步推进 务实 "
    "努力 营造 增强 提升 推进 落实 加强 健全 完善 服务大局 桥梁纽带 凝聚 贯彻落实 有效 显著 规范"
).split()
COLLOQUIAL = "挺 吧 啥 咱们 咱 说实话 其实 反正 特别 真的 好像 大家伙 搞 弄 蛮 超级 哈 呢 嘛 啊 呀 还行 不错 挺好 一块儿 这么 那么 啦".split()
FIRST_PERSON = re.compile(r"我们|我局|我校|我院|我单位|我公司|我会|我矿|我厂|本单位")
ENUMERATION = re.compile(r"[一二三四五六七八九十]是|首先|其次|再次|最后")
HEADING = re.compile(
    r"^\s*(#+\s*)?([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[、.．])", re.M
)
NUMBER = re.compile(r"\d+(?:\.\d+)?")
SHORT_TEXT_CHARS = 200  # below this, one word more or less moves the per-thousand rates a lot
STRUCTURE_METRICS = ("heading_share", "paragraph_length")  # a single paragraph has no structure to measure

EXPLANATIONS = {
    "sentence_length": "平均句长（字）：公文句子一般较长、信息密集；过短像口头汇报。",
    "four_char_share": "四字格占比：如“锐意进取”“扎实推进”，公文常用，读来凝练。",
    "enumeration_rate": "列举与排比（每千字）：“一是……二是……”等，使条理清楚。",
    "stock_phrase_rate": "公文常用语（每千字）：如“紧紧围绕”“进一步”“切实”。",
    "colloquial_rate": "口语词（每千字）：如“挺”“吧”“咱们”“说实话”，正式报告应尽量不用。",
    "first_person_rate": "第一人称（每千字）：如“我们”“我校”“我院”。",
    "number_rate": "具体数字（每千字）：数据越具体，总结越有说服力。",
    "heading_share": "标题占比：按“一、（一）1.”分层的标题行占全部段落的比例。",
    "paragraph_length": "平均段落长度（字）。",
}


class Metric(BaseModel):
    name: str
    value: float
    reference_mean: float = 0.0
    reference_std: float = 0.0
    z: float = 0.0
    explanation: str


class ToneReport(BaseModel):
    distance: float
    metrics: dict[str, Metric]
    suggestions: list[str]
    short_text_note: str = Field(
        "", description="why the figures of a short text are only indicative ('' if not short)"
    )


@lru_cache(maxsize=128)
def measure(text: str) -> dict[str, float]:
    """The style metrics of one text (simplified or traditional). Remembered: every tone comparison
    measures the same reference reports again. Callers must not change the result."""
    simplified = to_simplified(text)
    chars = max(1, len(re.sub(r"\s", "", simplified)))
    per_thousand = 1000 / chars
    sentences = [s for s in re.split(r"[。！？；!?;\n]", simplified) if len(s.strip()) > 1]
    paragraphs = [p for p in simplified.split("\n") if p.strip()]
    words = [w for w in tokenize(simplified) if len(w) >= 2]
    return {
        "sentence_length": statistics.mean(len(s) for s in sentences) if sentences else 0.0,
        "four_char_share": sum(len(w) == 4 for w in words) / len(words) if words else 0.0,
        "enumeration_rate": (len(ENUMERATION.findall(simplified)) + _parallel_runs(simplified))
        * per_thousand,
        "stock_phrase_rate": sum(simplified.count(p) for p in STOCK_PHRASES) * per_thousand,
        "colloquial_rate": sum(simplified.count(w) for w in COLLOQUIAL) * per_thousand,
        "first_person_rate": len(FIRST_PERSON.findall(simplified)) * per_thousand,
        "number_rate": len(NUMBER.findall(simplified)) * per_thousand,
        "heading_share": len(HEADING.findall(simplified)) / len(paragraphs) if paragraphs else 0.0,
        "paragraph_length": statistics.mean(len(p) for p in paragraphs) if paragraphs else 0.0,
    }


def _parallel_runs(text: str) -> int:
    """Runs of three or more clauses that start with the same character (比思想，比知识，比能力)."""
    runs = 0
    for sentence in re.split(r"[。！？；]", text):
        clauses = [c for c in re.split(r"[，、,]", sentence) if c]
        streak = 1
        for before, after in zip(clauses, clauses[1:], strict=False):
            streak = streak + 1 if before[:1] == after[:1] else 1
            if streak == 3:
                runs += 1
    return runs


def compare(text: str, references: list[str]) -> ToneReport:
    """The text's metrics against the references' spread, a single distance, and plain suggestions."""
    if not references:
        raise ValueError("at least one reference text is needed")
    if not text.strip():
        raise UserError("没有可对比的文字：请输入或粘贴一段文字，或给出文件、草稿编号。")
    mine = measure(text)
    single_paragraph = len([p for p in text.split("\n") if p.strip()]) == 1
    if single_paragraph:
        mine = {name: value for name, value in mine.items() if name not in STRUCTURE_METRICS}
    theirs = [measure(reference) for reference in references]
    metrics: dict[str, Metric] = {}
    for name, value in mine.items():
        values = [m[name] for m in theirs]
        mean = statistics.mean(values)
        spread = max(statistics.pstdev(values) if len(values) > 1 else 0.0, 0.25 * abs(mean), 0.05)
        z = max(-3.0, min(3.0, (value - mean) / spread))
        metrics[name] = Metric(
            name=name,
            value=round(value, 3),
            reference_mean=round(mean, 3),
            reference_std=round(spread, 3),
            z=round(z, 2),
            explanation=EXPLANATIONS[name],
        )
    distance = round(statistics.mean(abs(m.z) for m in metrics.values()), 3)
    return ToneReport(
        distance=distance,
        metrics=metrics,
        suggestions=_suggestions(metrics),
        short_text_note=_short_text_note(text, single_paragraph),
    )


def _short_text_note(text: str, single_paragraph: bool) -> str:
    chars = len(re.sub(r"\s", "", text))
    if chars >= SHORT_TEXT_CHARS:
        return ""
    note = (
        f"文字较短（{chars}字），各项指标波动较大，结果仅供参考；对比{SHORT_TEXT_CHARS}字以上的文字更可靠。"
    )
    return note + ("单段文字不统计标题占比和平均段落长度。" if single_paragraph else "")


def _suggestions(metrics: dict[str, Metric]) -> list[str]:
    rules = [
        ("sentence_length", -1, "句子偏短，可把相关内容合成信息更完整的长句。"),
        ("colloquial_rate", 1, "口语词较多（如“挺”“吧”“咱们”），建议改为书面表述。"),
        ("stock_phrase_rate", -1, "公文常用语偏少，可适当使用“紧紧围绕”“扎实推进”“进一步”等表述。"),
        ("four_char_share", -1, "四字格偏少，表述可更凝练。"),
        ("enumeration_rate", -1, "条理可更清楚：多项工作可用“一是……二是……”列举。"),
        ("number_rate", -1, "具体数字偏少，可补充实际完成的数据（请以实际为准）。"),
        ("heading_share", -1, "层次标题偏少，可按“一、（一）1.”分层。"),
    ]
    return [advice for name, sign, advice in rules if name in metrics and metrics[name].z * sign > 1.0] or [
        "整体语气与参考范文接近。"
    ]


def load_tone_pairs() -> list[dict[str, str]]:
    return load_data("tone_pairs.yaml")["pairs"]


def ranked_correctly(references: list[str]) -> float:
    """Share of formal/colloquial pairs where the formal text is the closer one to the references."""
    pairs = load_tone_pairs()
    right = sum(
        compare(p["formal"], references).distance < compare(p["colloquial"], references).distance
        for p in pairs
    )
    return right / len(pairs)


class NearSection(BaseModel):
    paragraph: str
    report_title: str
    heading: str
    similarity: float


def nearest_sections(text: str, library, limit: int = 8) -> list[NearSection]:  # noqa: ANN001 - a Library
    """For each paragraph, the closest corpus section by embedding similarity (cosine of e5 vectors):
    the paragraphs go to the embedder in one batch and are compared with the index's stored vectors."""
    paragraphs = [p.strip() for p in to_simplified(text).split("\n") if len(p.strip()) >= 20][:limit]
    return [
        NearSection(
            paragraph=paragraph[:60],
            report_title=hit.report_title,
            heading=hit.heading,
            similarity=round(hit.score, 3),
        )
        for paragraph, hit in zip(paragraphs, library.closest(paragraphs), strict=True)
        if hit is not None
    ]
