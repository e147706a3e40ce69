"""Chinese tokenisation for BM25: jieba with a 工会 word list so domain terms stay whole."""

import logging
import re
from functools import cache

import jieba

from drafting.text import prefixes
from drafting.text.script import to_simplified

DOMAIN_WORDS = [
    "职工之家",
    "模范职工之家",
    "职代会",
    "教代会",
    "职工代表大会",
    "教职工代表大会",
    "送温暖",
    "冬送温暖",
    "夏送清凉",
    "春送岗位",
    "金秋助学",
    "厂务公开",
    "校务公开",
    "院务公开",
    "政务公开",
    "企务公开",
    "集体合同",
    "工资集体协商",
    "女职工特殊权益",
    "合理化建议",
    "劳动竞赛",
    "技能竞赛",
    "岗位练兵",
    "技术比武",
    "女职工",
    "女工委",
    "经审",
    "经费审查",
    "经审委",
    "工会经费",
    "困难职工",
    "帮扶中心",
    "劳模",
    "劳动模范",
    "工匠",
    "职工书屋",
    "建会",
    "入会",
    "会员",
    "劳动保护",
    "安全生产",
    "职业病防治",
    "民主管理",
    "民主监督",
    "慰问金",
    "两节",
    "双学双比",
    "工会自身建设",
    "工会干部",
    "基层工会",
    "劳动关系",
    "劳动争议",
    "法律援助",
    "职工疗休养",
    "文体活动",
    "职工运动会",
    "健步走",
    "师德师风",
    "医德医风",
    "安康杯",
    "工人先锋号",
    "五一劳动奖章",
    "三八红旗手",
    "巾帼建功",
    "困难帮扶",
    "普惠服务",
    "会员服务",
]
_STOPWORDS = set(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "在",
        "是",
        "为",
        "对",
        "把",
        "被",
        "将",
        "等",
        "并",
        "又",
        "也",
        "都",
        "而",
        "就",
        "着",
        "从",
        "以",
        "之",
        "其",
        "这",
        "那",
        "我们",
        "我",
        "本",
        "该",
        "各",
        "每",
        "个",
        "中",
        "上",
        "下",
        "年",
        "月",
        "日",
        "一",
        "二",
        "三",
        "工作",
        "开展",
        "进行",
        "加强",
        "积极",
        "不断",
        "进一步",
        "通过",
        "组织",
        "工会",
    ]
)
jieba.setLogLevel(logging.WARNING)
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")


@cache
def _tokenizer() -> jieba.Tokenizer:
    tokenizer = prefixes.tokenizer()
    for word in DOMAIN_WORDS:
        tokenizer.add_word(word, freq=200000)
    return tokenizer


def load_whole_dictionary() -> None:
    """The segmenter's whole dictionary now, not bucket by bucket as texts need it (for a server)."""
    tokenizer = _tokenizer()
    if isinstance(tokenizer, prefixes.Tokenizer):  # jieba's own loaded its whole dictionary already
        tokenizer.load_all()


def tokenize(text: str) -> list[str]:
    """Search tokens of simplified or traditional text (traditional is normalised first)."""
    words = _tokenizer().lcut(to_simplified(text).lower())
    return [w for w in words if w.strip() and _KEEP.match(w) and w not in _STOPWORDS]


# Everyday words users type, mapped to the terms reports use (query side only).
SYNONYMS = {
    "员工": "职工",
    "同事": "职工",
    "打工": "农民工",
    "看望": "慰问 走访",
    "探望": "慰问 走访",
    "补助": "慰问金 救助",
    "难处": "困难",
    "拮据": "困难",
    "上学": "助学",
    "公示": "公开",
    "表决": "职代会 审议",
    "比拼": "竞赛 比武",
    "本领": "技能",
    "点子": "合理化建议",
    "榜样": "先进 劳模",
    "球类": "篮球 乒乓球 比赛",
    "健身": "体育 文体",
    "娱乐": "文体 文化",
    "女性": "女职工",
    "女同志": "女职工",
    "会费": "工会经费 会费",
    "职业道德": "师德 职业道德",
    "不够": "不足 问题",
    "打算": "计划",
    "下一年": "明年 计划",
}


def expand_query(tokens: list[str]) -> list[str]:
    """Add the report vocabulary for colloquial query words, so BM25 can match paraphrases."""
    extra = [term for token in tokens if token in SYNONYMS for term in SYNONYMS[token].split()]
    return tokens + extra


def shares_content_words(first: str, second: str) -> bool:
    """Whether two texts share a content word of two characters or more (a measure answering a problem)."""
    return bool({w for w in tokenize(first) if len(w) >= 2} & {w for w in tokenize(second) if len(w) >= 2})
