"""The proofreading engine: each rule on a planted error and on its correct counterpart, the fixes,
recall on the shipped cases, zero findings on offline-engine drafts, and speed."""

import asyncio
import time

import pytest

from drafting.checks.guard import FACT_GUARD
from drafting.checks.proof import ProofFinding, apply_fixes, corpus_bodies, proof_benchmark, proofread
from drafting.resources import load_data
from drafting.writing.facts import parse_facts
from drafting.writing.pipeline import Pipeline
from drafting.writing.planner import plan_locally
from drafting.writing.template_writer import TemplateWriter, write_section

# (rule, text, line, excerpt, fix): the error sits on `line` so line numbering is checked too.
PLANTED = [
    ("halfwidth-punctuation", "一、概况\n今年,工会组织职工开展活动。", 2, ",", "，"),
    ("halfwidth-punctuation", "工作如下:\n一是学习。", 1, ":", "："),
    ("halfwidth-punctuation", "市总工会(以下简称市总)开展活动。", 1, ")", "）"),
    ("halfwidth-punctuation", "携手并进, 再创佳绩！", 1, ", ", "，"),
    ("ascii-quotes", '第一行\n开展"职工之家"建设。', 2, '"', "“"),
    ("unpaired-quote", "做好年度”双先”评选。", 1, "”", "“"),
    ("unpaired-quote", "参加“爱心一日捐活动。", 1, "“", None),
    ("unpaired-bracket", "新建工会12家（其中非公企业8家。", 1, "（", None),
    ("unpaired-book-title", "学习《工会法，增强法治意识。", 1, "《", None),
    ("doubled-punctuation", "圆满完成全年任务。。", 1, "。。", "。"),
    ("doubled-punctuation", "各项工作稳步推进，。", 1, "，。", "。"),
    ("ellipsis", "开展篮球、拔河...丰富了生活。", 1, "...", "……"),
    ("ellipsis", "开展篮球、拔河……等活动。", 1, "……等", "等"),
    ("space-in-chinese", "一、概况\n\n工会 组织职工开展竞赛。", 3, " ", ""),
    ("fullwidth-alnum", "慰问困难职工２３户。", 1, "２３", "23"),
    ("dotted-date", "于2025.6.30召开职代会。", 1, "2025.6.30", "2025年6月30日"),
    ("dotted-date", "2025/3/8举办插花活动。", 1, "2025/3/8", "2025年3月8日"),
    ("number-form", "全年共有3千人参加。", 1, "3千", "3000"),
    ("number-form", "每组安排3-5人。", 1, "3-5", "3～5"),
    ("number-form", "利用三、五天时间走访。", 1, "三、五", "三五"),
    ("number-form", "二○二五年工作要点", 1, "二○二五", "二〇二五"),
    ("numbering-skip", "一、学习\n二、维权\n四、自身建设", 3, "四、", None),
    ("numbering-skip", "一、工作\n（一）引领\n（三）民主", 3, "（三）", None),
    ("numbering-skip", "一是学习；二是维权；四是建设。", 1, "四是", None),
    ("numbering-mixed", "二、做法\n1.学习\n2、维权", 3, "2、", "2."),
    ("numbering-level-jump", "一、工作\n（一）引领\n二、问题\n1.经费不足", 4, "1.", None),
    ("numbering-punct", "（一）、加强学习培训", 1, "、", ""),
    ("numbering-punct", "第一、加强思想引领。", 1, "第一、", "第一，"),
    ("repeated-word", "工会不断不断提高服务水平。", 1, "不断不断", "不断"),
    (
        "repeated-sentence",
        "工会组织的凝聚力不断增强，工会组织的凝聚力不断增强。",
        1,
        "工会组织的凝聚力不断增强",
        None,
    ),
    ("de-di-de", "认真的做好困难职工帮扶工作。", 1, "认真的做好", "认真地做好"),
    ("de-di-de", "各项活动开展的很好。", 1, "开展的很", "开展得很"),
    ("norm", "按照统一布署开展工作。", 1, "布署", "部署"),
    ("norm", "截止2025年底，共建会120家。", 1, "截止", "截至"),
    ("norm", "为企业发展做出了积极贡献。", 1, "做出", "作出"),
    ("norm", "完善工会资产台帐。", 1, "帐", "账"),
]

# Correct text next to each error above: none of it may be flagged.
CORRECT = [
    "今年，工会组织职工开展活动，增长3.5%，共计1,000元，10:30开会。",
    "详见www.acftu.org网站，或发邮件至union@example.com。",
    "市总工会（以下简称市总）开展“职工之家”建设，做好年度“双先”评选。",
    "学习《工会法》，增强法治意识。",
    "开展篮球、拔河……丰富了生活。开展篮球、拔河等活动。你愿意吗？！",
    "　　2025年，工会工作取得新进展。",
    "通  知",
    "开展“知法懂法 维护权益”主题活动。",
    "于2025年6月30日召开职代会，依据GB/T 15835-2011书写，联系电话0591-83322110。",
    "全年共有3000人参加，每组3～5人，利用三五天时间走访，发放大米5千克，3万元。",
    "二〇二五年工作要点",
    "一、学习\n二、维权\n三、自身建设",
    "一、工作\n（一）引领\n1.学习\n2.宣讲\n（二）民主\n二、问题\n（一）经费不足",
    "一、做法\n1、学习\n2、维权\n二、问题\n1、经费不足",
    "一是学习；二是维权；三是建设。原因之一是经费不足，星期一是接待日。",
    "第一、二季度分别完成任务的30%和25%。一、二等奖各3名。",
    "我们常常深入基层，看看职工的需求。研究研究再作决定。选举工会委员会委员7人。",
    "在上级工会积极的支持下，职工素质得到了全面的提高，我们所做的很多工作得到认可。",
    "认真地做好帮扶工作，各项活动开展得很好。",
    "按照统一部署，截至2025年底，报名截止日期为6月30日，生活必需品发放到位。",
    "为企业发展作出了积极贡献，资产账目清楚。认真学习《关于做出重要部署的决定》。",
]


@pytest.mark.parametrize(("rule", "text", "line", "excerpt", "fix"), PLANTED)
def test_each_rule_fires_on_its_planted_error(rule, text, line, excerpt, fix):
    findings = proofread(text)
    matches = [f for f in findings if (f.rule, f.excerpt, f.fix) == (rule, excerpt, fix)]
    assert len(matches) == 1, [f.model_dump() for f in findings]
    finding = matches[0]
    assert finding.line == line
    assert text[finding.start : finding.end] == excerpt
    assert finding.explanation and finding.suggestion


@pytest.mark.parametrize("text", CORRECT)
def test_correct_text_has_no_findings(text):
    assert proofread(text) == []


def test_apply_fixes_corrects_every_mechanical_error():
    text = (
        "一、概况\n"
        '今年,工会认真的做好了"职工之家"建设,共有3千人参加。。\n'
        "于2025.6.30召开职代会 ,不断不断提高服务水平...\n"
        "截止目前，其它工作也取得进展。"
    )
    findings = proofread(text)
    assert apply_fixes(text, findings) == (
        "一、概况\n"
        "今年，工会认真地做好了“职工之家”建设，共有3000人参加。\n"
        "于2025年6月30日召开职代会，不断提高服务水平……\n"
        "截至目前，其他工作也取得进展。"
    )
    assert proofread(apply_fixes(text, findings)) == []


def test_apply_fixes_leaves_hints_and_stale_findings_alone():
    text = "一、学习\n三、维权"
    findings = proofread(text)
    assert [f.rule for f in findings] == ["numbering-skip"] and findings[0].fix is None
    assert apply_fixes(text, findings) == text
    stale = ProofFinding(
        rule="norm", excerpt="布署", suggestion="部署", line=1, start=0, end=2, explanation="", fix="部署"
    )
    assert apply_fixes("部署工作", [stale]) == "部署工作"


def test_findings_are_sorted_and_point_into_the_text():
    text = "\n\n".join(corpus_bodies().values())
    findings = proofread(text)
    assert findings == sorted(findings, key=lambda f: (f.start, f.end, f.rule))
    for finding in findings:
        assert text[finding.start : finding.end] == finding.excerpt
        assert finding.line == text.count("\n", 0, finding.start) + 1


def test_level_jump_only_when_the_document_uses_the_skipped_level():
    assert proofread("一、做法\n1.学习\n2.维权") == []
    rules = [f.rule for f in proofread("一、做法\n（一）学习\n二、问题\n1.经费")]
    assert rules == ["numbering-level-jump"]


def test_every_literal_norm_is_flagged_with_its_replacement():
    for entry in load_data("norms.yaml")["norms"]:
        assert entry["note"] and entry["right"]
        if "pattern" not in entry:
            found = [f for f in proofread(f"我们{entry['wrong']}。") if f.rule == "norm"]
            assert [(f.excerpt, f.fix) for f in found] == [(entry["wrong"], entry["right"])], entry


def test_recall_on_planted_cases_and_no_false_alarms():
    result = proof_benchmark()
    assert result["cases"] >= 40
    assert result["recall"] >= 0.9, result["missed"]
    assert result["false_alarms"] == []
    assert result["corpus_reports"] == len(corpus_bodies())
    assert sum(result["corpus_by_rule"].values()) == result["corpus_findings"] > 0


FACTS = [
    {
        "organization": "江北市第一人民医院工会",
        "org_type": "医院",
        "period": "2025年",
        "facts": [
            "春节走访慰问困难职工23户，发放慰问金4.6万元",
            "召开五届三次职代会，审议通过《医院绩效分配方案》",
            "组织护理技能大赛，138人次参赛，3人获市级一等奖",
            "举办“三八”插花活动，参与女职工120人",
            "新发展会员45人，完成年度工会经费审查",
            "组织全院职工健步走活动",
        ],
        "problems": ["职工文体活动场地不足"],
        "plans": ["推进职工之家阵地建设，改善文体活动场地", "开展第二届护理技能竞赛"],
    },
    {
        "organization": "某市实验中学工会",
        "period": "2024年",
        "report_type": "summary",
        "facts": [
            "组织教职工学习党的二十届三中全会精神",
            "召开第六届教代会第二次会议，审议通过绩效工资分配方案",
            "开展青年教师教学技能竞赛，12人获奖",
            "慰问困难教职工8人，发放慰问金1.2万元",
            "举办教职工趣味运动会",
        ],
    },
    {
        "organization": "江南机械制造有限公司工会",
        "period": "2025年上半年",
        "facts": [
            "开展“安康杯”安全知识竞赛，500余名职工参与",
            "组织焊工技能比武，评选岗位技术能手10名",
            "签订工资集体协商协议",
            "走访慰问一线职工300人次",
            "开展夏送清凉活动",
            "新建职工书屋一处",
            "发展新会员120人",
            "开展合理化建议征集，收集建议86条",
            "组织职工篮球赛",
            "举办女职工权益保护讲座",
        ],
        "problems": ["基层工会干部业务能力有待提高", "职工文化活动场地不足"],
        "plans": ["加强工会干部培训"],
    },
    {
        "organization": "某区人力资源和社会保障局机关工会",
        "period": "2025年",
        "report_type": "plan",
        "facts": ["机关干部职工学习培训"],
        "plans": ["开展读书月活动", "组织干部职工体检", "推进模范职工之家创建"],
    },
    {
        "organization": "臺北某某醫院工會",
        "period": "2025年",
        "facts": ["春節走訪慰問困難職工20戶", "召開職工代表大會", "舉辦護理技能競賽"],
        "problems": ["活動經費不足"],
    },
]


@pytest.mark.parametrize("data", FACTS, ids=lambda data: data["organization"])
def test_offline_engine_drafts_have_no_findings(data):
    facts = parse_facts(data)
    outline = plan_locally(facts)  # no embedder: keywords place the facts, the rest go to 其他
    draft = asyncio.run(Pipeline(TemplateWriter(), FACT_GUARD).write(outline, facts, emit=lambda event: None))
    texts = [draft.markdown()] + [
        write_section(planned, facts, outline, variant, instruction)
        for planned in outline.sections
        for variant in (0, 1)
        for instruction in ("", "简洁")
    ]
    for text in texts:
        assert proofread(text) == [], text


def test_a_ten_thousand_character_report_proofreads_in_well_under_100_ms():
    text = "\n\n".join(corpus_bodies().values())[:10_000]
    proofread(text)  # loads norms.yaml once
    best = min(_timed(proofread, text) for _ in range(5))
    assert best < 0.1


def _timed(function, *args) -> float:  # noqa: ANN001
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_a_file_is_proofread_as_written_not_as_the_reader_tidies_it(tmp_path, suffix):
    """Importing a report turns 2025年,院工会 into 2025年，院工会; proofreading the same file must still see
    the half-width comma, as it does when the line is given as text."""
    from drafting.service import DraftingService
    from drafting.settings import load_settings

    line = "2025年,院工会在医院党委的领导下，紧紧围绕医院中心工作，团结带领广大职工，扎实开展各项工作。"
    path = tmp_path / f"总结{suffix}"
    path.write_text(f"红杉医院工会2025年工作总结\n{line}\n现将有关情况总结如下。\n", encoding="utf-8")
    service = DraftingService(load_settings(data_dir=tmp_path / "data"))
    from_file = [(f.rule, f.excerpt) for f in proofread(service.text_of(str(path)))]
    as_text = [(f.rule, f.excerpt) for f in proofread(service.text_of(line))]
    assert ("halfwidth-punctuation", ",") in as_text
    assert from_file == as_text
