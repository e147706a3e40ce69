"""Status guard: a plan item must not be written up as already done.

A bullet such as “拟于10月举办职工运动会” is an intention; a draft saying “10月成功举办了职工运动会” or
“已举办职工运动会” reports it as an achievement the user never claimed. A sentence is taken to speak
about a plan item when it holds most of the item's content words (the intention marker stripped);
it promotes the item when it also carries a completion marker (已, 完成, 举办了 …) and no clause that
names the item carries an intention marker (“将于10月举办职工运动会” is the plan written as a plan).
A sentence that gives the item's count a different number (“建成站点24个” for “拟新建站点10个”) is
about another, reported fact and is left alone.
"""

import math
import re

from pydantic import BaseModel

INTENTION = re.compile(r"拟|计划|将|准备|力争|争取|打算|预计")
# Words that keep a clause in the future even without an intention marker (“确保运动会顺利举办”).
STILL_AHEAD = re.compile(r"确保|力求|下一步|下半年|明年|继续|进一步")
DONE = re.compile(r"已经|已|圆满完成|完成|顺利|实现了|建成|成功|如期|落成|竣工")
# An action verb in the perfective (“组织了”, “举办了”), but not 了解.
PERFECTIVE = re.compile(
    r"(?:举办|开展|组织|召开|举行|建立|新建|成立|实施|启动|修订|出台|推出|评选|发放|慰问|发展)了(?!解)"
)
# A count or date with its unit: a sentence giving the same thing a different number is about another fact.
_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)(万元|亿元|人次|户次|[个人次场项户名家期批件条篇所支处月日年%])")
_SENTENCE = re.compile(r"[。！？；!?;\n]")
_CLAUSE = re.compile(r"[，,：:]")
MIN_SHARE = 0.6  # of the item's content words a sentence must contain


class StatusFinding(BaseModel):
    plan: str
    sentence: str
    marker: str


def content_words(plan: str) -> list[str]:
    """The words that identify a plan item: jieba tokens of two or more characters, markers removed."""
    from drafting.text.lexicon import tokenize
    from drafting.text.script import to_simplified

    stripped = INTENTION.sub(" ", to_simplified(plan))
    words = [w for w in tokenize(stripped) if len(w) >= 2 and not DONE.fullmatch(w)]
    return list(dict.fromkeys(words))


def status_promotions(text: str, plans: list[str]) -> list[StatusFinding]:
    """Plan items (bullets with an intention marker) that a sentence of the text reports as done."""
    from drafting.text.script import to_simplified

    sentences = [s.strip() for s in _SENTENCE.split(to_simplified(text)) if s.strip()]
    findings = []
    for plan in plans:
        if not INTENTION.search(to_simplified(plan)):
            continue  # a bullet stated without intention (“完善提案办理机制”) may be written either way
        words = content_words(plan)
        if not words:
            continue
        needed = min(len(words), max(2, math.ceil(MIN_SHARE * len(words))))
        for sentence in sentences:
            if sum(word in sentence for word in words) < needed or _other_quantity(plan, sentence):
                continue
            marker = _promotion_marker(sentence, words)
            if marker:
                findings.append(StatusFinding(plan=plan, sentence=sentence, marker=marker))
                break
    return findings


def _other_quantity(plan: str, sentence: str) -> bool:
    """Whether the sentence gives one of the plan's units a number the plan does not have."""
    from drafting.text.script import to_simplified

    planned = set(_QUANTITY.findall(to_simplified(plan)))
    units = {unit for _, unit in planned}
    return any(
        unit in units and (number, unit) not in planned for number, unit in _QUANTITY.findall(sentence)
    )


def _promotion_marker(sentence: str, words: list[str]) -> str:
    """The completion marker that reports the item as done, or '' when the sentence keeps it a plan."""
    about = [c for c in _CLAUSE.split(sentence) if any(word in c for word in words)]
    if any(INTENTION.search(c) or STILL_AHEAD.search(c) for c in about):
        return ""
    m = DONE.search(sentence) or PERFECTIVE.search(sentence)
    return m.group(0) if m else ""


def measure_status() -> dict[str, float]:
    """Precision and recall over the planted cases in drafting/data/status_cases.yaml."""
    from drafting.resources import load_data

    cases = load_data("status_cases.yaml")["cases"]
    true_positive = false_positive = false_negative = 0
    for case in cases:
        flagged = {finding.plan for finding in status_promotions(case["draft"], case["plans"])}
        expected = set(case.get("promoted", []))
        true_positive += len(flagged & expected)
        false_positive += len(flagged - expected)
        false_negative += len(expected - flagged)
    return {
        "cases": float(len(cases)),
        "precision": true_positive / (true_positive + false_positive)
        if true_positive + false_positive
        else 1.0,
        "recall": true_positive / (true_positive + false_negative) if true_positive + false_negative else 1.0,
    }
