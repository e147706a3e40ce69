"""What a plan item, or a fact, is about: its subject words, so a fact reports an item only when it tells of
the same work.

What an item is about is its subject words: the words left when numbers, ordinals (五届三次), units and
the words every 工会 sentence has (职工, 组织, 举办, 参加, 市总工会…) are set aside. Adjacent subject words
make a run whose last word is its head: 青年|联谊会, 资助|困难|子女, 心理健康|讲座. A fact tells of a run
only when it names the run's head, and not when it puts another modifier before that head than the plan
does (举办退休职工联谊会 is no 青年职工联谊会).
"""

import re
from functools import lru_cache

from drafting.checks.factguard import chinese_to_int
from drafting.text.script import to_simplified

FULL_WIDTH = str.maketrans("０１２３４５６７８９％．", "0123456789%.")
# Words every 工会 sentence has: sharing one says nothing about which item, or which work a figure counts.
# They are no subject words, and a run ends at them (举办|青年职工联谊会).
GENERIC = frozenset(
    "职工 教职工 干部职工 教工 开展 举办 组织 活动 工作 全年 全面 加强 推进 进一步 积极 深入 持续 做好 完成 实现 落实 "
    "全体 广大 单位 本年度 年度 今年 明年 全年度 继续 不断 扎实 切实 努力 重点 目标 任务 力争 确保 达到 "
    "参加 参与 举行 召开 建设 建成 新建 推动 安排 覆盖 实施 提升 提高 促进 完善 健全 深化 强化 广泛 丰富 "
    "围绕 坚持 注重 充分 发挥 作用 工会 总工会 市总工会 区总工会 县总工会 省总工会 上级工会 公司 医院 学校 "
    "全院 全校 全局 全市 全区 每年 学期 每学期 上半年 下半年 年初 年底 年内 "
    "做到 争取 保证 不少 少于 以上 以下 不低于 不超过 不高于 控制 以内 之内 左右".split()
)
# Action words are subject words (走访慰问 is the work), but no modifier that tells two things apart: a
# plan's 配齐|健身器材 and a fact's 购置|健身器材 name the same 健身器材; 青年|联谊会 and 退休|联谊会 do not.
_ACTIONS = frozenset(
    "资助 慰问 走访 配齐 配备 购置 新增 新添 添置 筹集 签订 审议 设立 建立 成立 改造 修订 制定 出台 评选 表彰 "
    "选树 发放 帮扶 救助 培训 发展 开放 投入 使用 更新 升级 打造 创建 申报 落成 召集".split()
)
# The same thing in other words, made one on both sides before comparing (职代会 = 职工代表大会; a 竞赛 is
# a 赛, so 护理技能竞赛 meets 护理技能大赛, while 篮球赛 stays apart from 书法比赛).
_SAME_THING = (
    (re.compile(r"职代会"), "职工代表大会"),
    (re.compile(r"教代会"), "教职工代表大会"),
    (re.compile(r"竞赛|大赛|比赛|联赛|比武|赛事"), "赛"),
    (re.compile(r"服务驿站|驿站|服务站(?!点)"), "服务站点"),
    (re.compile(r"教职工之家|教工之家"), "职工之家"),
    (re.compile(r"健康检查"), "体检"),
    (re.compile(r"母婴关爱室|爱心母婴室|母婴关爱之家|母婴休息室|哺乳室"), "母婴室"),
)
# 职工 in a word says nothing of what the word names (退休职工 is 退休, 职工书屋 is 书屋), except in these
_WORKERS = re.compile(r"^(?:干部职工|教职工|职工|教工)|(?:干部职工|教职工|职工|教工)$")
_WHOLE = frozenset({"女职工", "女教职工", "职工之家", "农民工"})
# numbers with their units, ordinals and dates: no subject words, and a run ends at them
_NO_WORD = re.compile(
    # 一万二千元 as a whole (its 一万 is no subject word), not the 万家 of 进万家
    r"第?(?:\d[\d,.]*|[零〇一二两三四五六七八九十百千][零〇一二两三四五六七八九十百千万亿]*)(?:余|多)?(?:万|千)?"
    r"(?:人次|户次|万元|元|人|名|场|次|项|个|家|户|期|篇|所|支|处|批|册|本|件|台|套|起|间|届|年|月|日|号|%)"
    r"|\d[\d,.]*%?"
)
# a session or edition named by its ordinal: 五届三次职代会, 第二届技能竞赛, 第三次会员代表大会 (not the
# 二十届三中全会 a plan studies)
_NUMERAL = r"[零〇一二两三四五六七八九十百\d]+"
_SESSION = re.compile(
    rf"第?(?P<term>{_NUMERAL})届第?(?P<sitting>{_NUMERAL})次|第(?P<edition>{_NUMERAL})届|第(?P<nth>{_NUMERAL})次"
)
PART = re.compile(r"[，,；;。：:！!？?\n]")  # a part of an item: one clause
Session = tuple[int | None, int | None]  # (届, 次): 五届三次 (5, 3), 第二届 (2, None), 第三次 (None, 3)
_QUOTES = re.compile(r"[“”‘’\"'《》〈〉「」『』]")
_PUNCTUATION = re.compile(r"[^\w\u4e00-\u9fff]+")


@lru_cache(maxsize=4096)
def normal(text: str) -> str:
    """The text as subjects are compared in: simplified, half-width, lower case, one word for one thing."""
    text = _QUOTES.sub("", to_simplified(text).translate(FULL_WIDTH).lower())
    for pattern, word in _SAME_THING:
        text = pattern.sub(word, text)
    return text


@lru_cache(maxsize=4096)  # each fact is read against every plan item
def subject_runs(text: str) -> tuple[tuple[str, ...], ...]:
    """The text's subject words in runs of adjacent ones, the last of each run its head."""
    from drafting.text.lexicon import tokenize

    runs: list[tuple[str, ...]] = []
    for piece in _PUNCTUATION.split(_NO_WORD.sub(" ", normal(text))):
        run: list[str] = []
        at = 0
        for token in tokenize(piece):
            found = piece.find(token, at)
            if found > at:  # a word the segmenter drops stood between (和, 的, 开展, 组织): the run ends
                run = _close(run, runs)
            at = found + len(token) if found >= 0 else at
            if len(token) < 2:  # 新|发展, 母婴|室, 入会|率: a single character neither counts nor ends a run
                continue
            word = token if token in _WHOLE else _WORKERS.sub("", token)
            if not word:  # the 职工 of 青年职工联谊会: the run goes on
                continue
            if len(word) < 2:
                word = token
            if word in GENERIC:
                run = _close(run, runs)
            else:
                run.append(word)
        _close(run, runs)
    return tuple(runs)


def _close(run: list[str], runs: list[tuple[str, ...]]) -> list[str]:
    if run:
        runs.append(tuple(run))
    return []


class Subject:
    """What a plan item, or one clause of it, is about: its runs of subject words, and the session it
    names, if any (五届三次)."""

    def __init__(self, text: str) -> None:
        self.said = text  # as written, to name it to the user
        self.text = normal(text)
        # each run with the sessions its clause names: only a fact naming that run's head must agree
        self._runs = [(run, sessions(part)) for part in PART.split(text) for run in subject_runs(part)]
        self.runs = [run for run, _ in self._runs]
        self.words = {word for run in self.runs for word in run}

    def anchors(self, fact: str) -> list[str] | None:
        """The heads of this subject's runs that the fact names; None when the fact tells of another kind
        of that thing: another modifier before the head (退休|联谊会 for 青年|联谊会), or another session
        (五届二次职代会 for 五届三次职工代表大会). A run of action words alone (审议) names no subject
        when another run names one."""
        told = normal(fact)
        fact_runs, fact_sessions = subject_runs(fact), sessions(fact)
        work = self.names_work()
        heads = []
        for run, named_sessions in self._runs:
            head = run[-1]
            if head not in told:  # 资助|困难|子女 against 慰问困难职工: 困难 is no head there
                continue
            if work and all(w in _ACTIONS for w in run):  # 审议 of 审议绩效分配方案, not 培训 of 组织职工培训
                continue
            if named_sessions and not _same_session(named_sessions, fact_sessions):
                return None
            ours = [w for w in run[:-1] if w not in told and w not in _ACTIONS]
            theirs = [w for w in _before(head, fact_runs) if w not in self.text and w not in _ACTIONS]
            if ours and theirs:
                return None
            heads.append(head)
        return heads

    def names_work(self) -> bool:
        """Whether it names some work, not actions alone (审议 with nothing to review)."""
        return any(not all(w in _ACTIONS for w in run) for run in self.runs)

    def told_by(self, fact: str) -> bool:
        return bool(self.anchors(fact))

    def named(self, fact: str) -> set[str]:
        """This subject's words the fact names, counting only runs whose head it names (none on a conflict)."""
        heads = self.anchors(fact)
        if not heads:
            return set()
        told = normal(fact)
        return {w for run in self.runs if run[-1] in heads for w in run if w in told}

    def share(self, fact: str) -> float:
        """The share of this subject's words the fact names (see `named`)."""
        return len(self.named(fact)) / len(self.words) if self.words else 0.0


def sessions(text: str) -> list[Session]:
    """The sessions or editions the text names: 五届三次 (5, 3), 第二届 (2, None), 第三次 (None, 3)."""
    found = []
    for m in _SESSION.finditer(to_simplified(text).translate(FULL_WIDTH)):
        term, sitting = m.group("term") or m.group("edition"), m.group("sitting") or m.group("nth")
        found.append((_ordinal(term), _ordinal(sitting)))
    return found


def _ordinal(numeral: str | None) -> int | None:
    if not numeral:
        return None
    return int(numeral) if numeral.isdigit() else chinese_to_int(numeral)


def _same_session(ours: list[Session], theirs: list[Session]) -> bool:
    """Whether the fact names none, or one that may be ours (a part left unsaid may be either)."""
    if not theirs:
        return True
    return any(
        all(a is None or b is None or a == b for a, b in zip(mine, other, strict=True))
        for mine in ours
        for other in theirs
    )


def _before(head: str, runs: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """The words before `head` in the first run of the fact that holds it."""
    for run in runs:
        for i, word in enumerate(run):
            if head in word:
                return run[:i]
    return ()
