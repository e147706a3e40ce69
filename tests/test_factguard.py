"""The fact guard: planted errors are all flagged, values taken from the facts never are."""

import json
import re
from pathlib import Path

import pytest

from drafting.checks.factguard import (
    check_draft,
    chinese_to_int,
    guard_section,
    load_guard_cases,
    measure_guard,
)
from drafting.cli import main
from drafting.writing.facts import load_facts_file, parse_facts

EXAMPLE = Path(__file__).resolve().parent.parent / "drafting" / "data" / "example_facts.yaml"


@pytest.fixture
def clean(service):
    facts = load_facts_file(EXAMPLE)
    return facts, service.draft(facts).markdown()


def test_a_clean_offline_draft_has_no_findings(clean):
    facts, text = clean
    result = check_draft(text, facts)
    assert result.unsupported == [] and result.changed_levels == []
    assert result.missing_facts == [] and result.coverage == 1.0
    assert result.problems_without_measure == []


@pytest.mark.parametrize("case", load_guard_cases(), ids=lambda case: case["replace"])
def test_every_planted_error_is_flagged(clean, case):
    facts, text = clean
    assert case["find"] in text
    result = check_draft(text.replace(case["find"], case["replace"], 1), facts)
    values = [f.value for f in result.unsupported + result.changed_levels]
    assert any(case["flag"] in value or value in case["flag"] for value in values), values
    # nothing else is flagged: no false alarms on values taken from the facts
    assert len(values) == 1


def test_measured_precision_and_recall(clean):
    facts, text = clean
    figures = measure_guard(text, facts)
    assert figures["recall"] == 1.0 and figures["precision"] == 1.0


def test_altered_value_names_the_fact_it_came_from(clean):
    facts, text = clean
    result = check_draft(text.replace("23户", "32户"), facts)
    assert result.unsupported[0].nearest == "春节走访慰问困难职工23户，发放慰问金4.6万元"
    assert "春节走访慰问困难职工23户，发放慰问金4.6万元" in result.missing_facts and result.coverage < 1


def test_a_wrong_figure_names_the_fact_it_most_likely_came_from():
    """`check` named the first fact in the same unit character: the 技能比武 line for a wrong 疗休养 figure."""
    facts = parse_facts(
        {
            "organization": "某工会",
            "period": "2025年",
            "facts": [
                "举办技能比武，参赛职工1,216人次，评出技术能手20人",
                "组织疗休养，共412人参加",
                "开展女职工健康讲座，参加286人",
                "会员总数4,032人",
            ],
        }
    )
    nearest = {
        sentence: [f.nearest for f in check_draft(sentence, facts).unsupported]
        for sentence in (
            "疗休养共421人参加。",
            "女职工讲座参加300人。",
            "会员总数4,320人。",
            "共有1,300人次参赛。",
        )
    }
    assert nearest == {
        "疗休养共421人参加。": ["组织疗休养，共412人参加"],
        "女职工讲座参加300人。": ["开展女职工健康讲座，参加286人"],
        "会员总数4,320人。": ["会员总数4,032人"],
        "共有1,300人次参赛。": ["举办技能比武，参赛职工1,216人次，评出技术能手20人"],
    }


def test_chinese_and_arabic_numerals_are_the_same_value():
    facts = parse_facts(
        {"organization": "某工会", "period": "2025年", "facts": ["慰问困难职工23户，发放4.6万元"]}
    )
    assert check_draft("走访慰问困难职工二十三户，发放46000元。", facts).unsupported == []
    assert chinese_to_int("二十三") == 23 and chinese_to_int("一百零五") == 105 and chinese_to_int("十") == 10


def test_a_thousands_separator_is_one_number():
    """1,200人 was read as “1” and “200人”: both flagged, and 1,500人 slipped through as “1” and “500人”."""
    facts = parse_facts(
        {"organization": "某某工会", "period": "2025年", "facts": ["参保职工1,200人", "发放1,234个"]}
    )
    result = check_draft("今年参保职工1,200人，发放1234个，另有1,500人。", facts)
    assert [finding.value for finding in result.unsupported] == ["1,500人"]
    assert not result.missing_facts


@pytest.mark.parametrize(
    "sentence",
    [
        "参赛1300余人次。",
        "会员总数达到9000余人。",
        "覆盖职工3000多人。",
        "发放慰问金5000余元。",
        "受益职工达3500。",
    ],
)
def test_a_rounded_or_bare_four_digit_count_is_no_year(sentence):
    """A model rounds 1,216人次 to 1300余人次: a bare four-digit number was passed over as a year."""
    facts = parse_facts(
        {"organization": "某工会", "period": "2025年", "facts": ["技能比武参赛1,216人次", "会员总数4,032人"]}
    )
    (finding,) = check_draft(sentence, facts).unsupported
    assert finding.value.startswith(re.search(r"\d{4}", sentence).group())  # with its 余人次, if any


@pytest.mark.parametrize(
    "sentence",
    [
        "2025—2026学年，工会扎实开展工作。",
        "根据工发〔2025〕号文件精神。",
        "2024、2025年连续获评先进。",
        "2025届新教师入会。",
    ],
)
def test_a_year_without_its_character_is_still_a_year(sentence):
    facts = parse_facts({"organization": "某工会", "period": "2025年", "facts": ["召开职代会"]})
    assert check_draft(sentence, facts).unsupported == []


def test_one_event_typed_twice_with_different_numbers_is_said_once_in_the_draft(service):
    """A helper typed …17户 and …18户: both went into the draft, and nothing said so."""
    from drafting.checks.contradictions import contradicting_facts

    assert contradicting_facts(
        [
            "春节慰问困难职工17户",
            "3月组织培训50人",
            "春节慰问困难职工18户",
            "4月组织培训60人",
            "春节慰问困难职工十七户",
            "1月开展职工生日会，为30名职工庆生",  # two months, two events
            "2月开展职工生日会，为25名职工庆生",
        ]
    ) == [["春节慰问困难职工17户", "春节慰问困难职工18户"]]
    facts = parse_facts(
        {
            "organization": "某某工会",
            "period": "2025年",
            "facts": ["春节慰问困难职工17户", "春节慰问困难职工18户"],
        }
    )
    warnings = service.draft(facts, offline=True).warnings
    assert [w for w in warnings if "数字却不同" in w] == [
        "要点“春节慰问困难职工17户”和“春节慰问困难职工18户”说的像是同一件事，数字却不同，两条都写进了草稿：请核对后只留一条。"
    ]


def test_an_event_pasted_many_times_is_one_warning():
    """300 lines of one event with different numbers gave 299 warnings, one per pair with the first."""
    from drafting.checks.contradictions import contradiction_warnings

    pasted = [f"走访慰问困难职工{n}户" for n in range(10, 310)] + ["组织职工体检320人", "组织职工体检330人"]
    assert contradiction_warnings(pasted) == [
        "要点“走访慰问困难职工10户”“走访慰问困难职工11户”“走访慰问困难职工12户”等 300 条说的像是同一件事，"
        "数字各不相同，都写进了草稿：请核对后只留一条。",
        "要点“组织职工体检320人”和“组织职工体检330人”说的像是同一件事，数字却不同，两条都写进了草稿：请核对后只留一条。",
    ]


@pytest.mark.parametrize(
    ("fact", "slips"),
    [
        ("慰问困难职工-5户", ["-5户"]),
        ("人均体检1.5次", ["1.5次"]),
        ("职工参检率150%", ["150%"]),
        ("会员999999999999人", ["999999999999人"]),
        ("全年会员增长150%", []),  # a growth may pass 100%
        ("入会率达到98.5%，慰问困难职工23户，发放4.6万元", []),
    ],
)
def test_a_figure_that_looks_like_a_slip_is_pointed_out(fact, slips):
    """A helper's -5户, 参检率150%, 1.5次 and 999999999999人 were drafted without a word."""
    from drafting.checks.plausibility import implausible, plausibility_warnings

    assert implausible(fact) == slips
    assert len(plausibility_warnings([fact])) == bool(slips)


def test_problem_without_a_measure_is_reported():
    facts = parse_facts(
        {
            "organization": "某工会",
            "period": "2025年",
            "facts": ["召开职代会"],
            "problems": ["活动场地不足", "会员信息统计不及时"],
        }
    )
    text = "一、民主管理\n召开职代会。\n二、存在的问题\n活动场地不足；会员信息统计不及时。\n三、2026年工作计划\n改善活动场地。"
    assert check_draft(text, facts).problems_without_measure == ["会员信息统计不及时"]


def test_cli_check_json(clean, tmp_path, capsys):
    """Exit code 1 when something was found, so a script notices; 0 for a clean draft."""
    facts, text = clean
    draft = tmp_path / "d.md"
    draft.write_text(text, encoding="utf-8")
    assert main(["check", str(draft), "--facts", str(EXAMPLE), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unsupported"] == []
    draft.write_text(text.replace("23户", "32户"), encoding="utf-8")
    assert main(["check", str(draft), "--facts", str(EXAMPLE), "--json"]) == 1  # found something
    result = json.loads(capsys.readouterr().out)
    assert [f["value"] for f in result["unsupported"]] == ["32户"]
    assert set(result) >= {"unsupported", "missing_facts", "coverage"}
    assert {"value", "context"} <= set(result["unsupported"][0])


def test_cli_check_missing_draft_file_is_a_chinese_error(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.md"), "--facts", str(EXAMPLE)]) == 1
    assert "找不到文件" in capsys.readouterr().err


HONOUR_FACTS = {
    "organization": "江北市第一人民医院工会",
    "period": "2025年",
    "facts": ["获评市级先进职工之家", "组织护理技能大赛，3人获市级一等奖"],
}


def test_cli_check_a_mistyped_draft_number_is_a_chinese_error_not_a_text_checked(tmp_path, capsys):
    """A helper's 'drafting check nosuch --facts …' reported 要点覆盖率：0% for the word “nosuch”."""
    facts = tmp_path / "f.yaml"
    facts.write_text(
        "organization: 测试区总工会\nperiod: 2025年\nfacts:\n  - 慰问职工20人\n", encoding="utf-8"
    )
    assert main(["check", "nosuch", "--facts", str(facts)]) == 1
    assert "既不是找得到的文件，也不是已保存的草稿编号" in capsys.readouterr().err
    assert main(["check", "今年慰问职工20人。", "--facts", str(facts)]) == 0  # a text is still checked
    assert "要点覆盖率：100%" in capsys.readouterr().out


@pytest.mark.parametrize(
    "sentence",
    [
        "本院荣获模范职工之家称号。",  # no number, no level, no quotes
        "工会被评为全国五一劳动奖状单位。",
        "荣获‘全国模范职工之家’称号。",
        "护理部获评巾帼文明岗示范单位。",
        "工会获工人先锋号。",
    ],
)
def test_an_honour_no_fact_states_is_flagged(sentence):
    result = check_draft(sentence, parse_facts(HONOUR_FACTS))
    assert result.unsupported, sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "医院工会荣获市级先进职工之家称号。",
        "3人获市级一等奖。",
        "职工的获得感、幸福感进一步增强。",
        "收获满满。",
    ],
)
def test_an_honour_from_the_facts_or_ordinary_words_are_not(sentence):
    assert check_draft(sentence, parse_facts(HONOUR_FACTS)).unsupported == []


def test_a_kept_verdict_is_the_callers_own_copy():
    """Verdicts are kept per process (the pipeline and the page's review ask for the same section); a caller
    that changes its verdict, as the pipeline assigns its lists to the section, changes no later one."""
    facts = parse_facts({"organization": "某某厂工会", "period": "2026年", "facts": ["慰问困难职工23人次"]})
    text = "全年慰问困难职工25人次。"
    first = guard_section(text, ["慰问困难职工23人次"], facts)
    assert first.flags == ["25人次"]
    first.flags.append("改动")
    first.missing_facts.clear()
    again = guard_section(text, ["慰问困难职工23人次"], facts)
    assert again.flags == ["25人次"]
    assert again == guard_section(text, ["慰问困难职工23人次"], facts) and again is not first
    other = parse_facts({"organization": "某某厂工会", "period": "2026年", "facts": ["慰问困难职工25人次"]})
    assert guard_section(text, ["慰问困难职工25人次"], other).flags == []  # other facts: checked anew


def test_part_of_the_period_is_no_figure_to_pass_over():
    """A bare 202 passed as part of the period 2025年 (a substring test)."""
    facts = parse_facts({"organization": "某工会", "period": "2025年", "facts": ["会员总数4,032人"]})
    assert [f.value for f in check_draft("会员总数达202。", facts).unsupported] == ["202"]
    assert check_draft("2025年，工会扎实开展工作；2026年将继续努力。", facts).unsupported == []


def test_a_year_written_digit_by_digit_is_that_year():
    """二〇二五年 was read as the number 5 and flagged as unsupported."""
    facts = parse_facts({"organization": "某工会", "period": "2025年", "facts": ["召开职代会"]})
    assert check_draft("二〇二五年，工会扎实开展工作；二○二六年继续努力。", facts).unsupported == []
    assert [f.value for f in check_draft("二〇一九年曾获评先进。", facts).unsupported] == ["2019年"]


def test_numerals_with_wan_and_decimals_at_a_line_start_are_read_whole():
    """一万二千元 was read as 二千元, so a draft's 两万二千元 passed for the facts' 一万二千元; and a line
    starting 1.5万元 lost its 1. as a list number, so a true 1.5万元 was flagged as an unsupported 5万元."""
    facts = parse_facts(
        {
            "organization": "某某公司工会",
            "period": "2025年",
            "facts": ["春节发放慰问金一万二千元", "1.5万元专项资金已全部用于职工书屋建设"],
        }
    )
    true = "一是春节发放慰问金一万二千元。\n1.5万元专项资金已全部用于职工书屋建设。\n2. 发放慰问金12,000元。"
    assert check_draft(true, facts).unsupported == []
    changed = check_draft("一是春节发放慰问金两万二千元。\n2.5万元专项资金已全部用于职工书屋建设。", facts)
    assert [f.value for f in changed.unsupported] == ["两万二千元", "2.5万元"]


def test_a_numeral_with_wan_before_yu_is_read_whole():
    """一万二千余元 was read as 二千, so 两万二千余元 passed for it, and 一万二千余元 was flagged against 1.2万余元."""
    facts = parse_facts(
        {"organization": "某某公司工会", "period": "2025年", "facts": ["春节发放慰问金1.2万余元"]}
    )
    assert check_draft("一是春节发放慰问金一万二千余元。", facts).unsupported == []
    changed = check_draft("一是春节发放慰问金两万二千余元。", facts)
    assert [f.value for f in changed.unsupported] == ["两万二千余元"]


def test_a_figure_with_yu_keeps_its_unit():
    """一万二千余元 was read with no unit, so the draft could move it to people: 慰问职工一万二千余人 passed."""
    facts = parse_facts(
        {
            "organization": "某某公司工会",
            "period": "2025年",
            "facts": ["发放慰问金一万二千余元，慰问职工300余人"],
        }
    )
    assert check_draft("一是发放慰问金一万二千余元，慰问职工300余人。", facts).unsupported == []
    moved = check_draft("一是慰问职工一万二千余人，发放慰问金300余元。", facts)
    assert sorted(f.value for f in moved.unsupported) == ["300余元", "一万二千余人"]
