"""The user's choices for last year's plan items, turned into facts, problems, plans and the confirmed table.

The matcher can be wrong, so the user's word wins: an item not fully done needs a choice (add a fact: it
was done and left out, so it counts as done; send it to 存在的问题 with a reason; or carry it into next
year's plan), and an item the matcher found done may be sent to 存在的问题 or the plan as well, and then
counts as not done. The result is a new Facts whose `carryover` table is the only source the draft's
tally is counted from.
"""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from drafting.carryover.match import Carryover, ItemResult
from drafting.errors import UserError
from drafting.writing.facts import CarryoverRow, CarryoverStatus, CarryoverTable, Facts, parse_facts

Choice = Literal["add_fact", "problem", "carry"]
STATUS_LABELS: dict[CarryoverStatus, str] = {
    "done": "已完成",
    "partial": "部分完成",
    "not_mentioned": "未提及",
}
SHOWN = 10  # items named in a message; the rest are counted


class Decision(BaseModel):
    plan: str
    choice: Choice
    text: str = ""  # the fact to add, or the reason it goes to 存在的问题


class CarryoverDecisionError(UserError):
    """A choice the table cannot take; the message names what to fix."""


class Undecided(CarryoverDecisionError):
    """Items not fully done without a choice; each face says how to give one."""

    def __init__(self, items: list[ItemResult]) -> None:
        super().__init__(
            f"还有 {len(items)} 项没有完成、也没有选择处理方式：{_named(items)}。"
            "请为每一项选择：补充为事实、写入存在的问题，或列入明年计划。"
        )
        self.items = items


def load_decisions(path: Path) -> list[Decision]:
    """The choices a command-line user wrote down (YAML: a list of plan, choice, text)."""
    if not path.is_file():
        raise CarryoverDecisionError(f"找不到处理决定文件：{path}")
    try:
        return TypeAdapter(list[Decision]).validate_python(
            yaml.safe_load(path.read_text(encoding="utf-8-sig")) or []
        )
    except (yaml.YAMLError, ValidationError, UnicodeDecodeError) as error:
        raise CarryoverDecisionError(
            f"处理决定文件“{path.name}”格式不对：应是一个列表，每项写 plan（计划原文）、"
            "choice（add_fact 补充事实、problem 写入存在的问题、carry 列入明年计划）和 text（补充的事实或原因）。"
        ) from error


def decisions_template(items: list[ItemResult]) -> str:
    """A decisions file to fill in, one entry per item (YAML, as load_decisions reads it)."""
    entries = [{"plan": item.plan, "choice": "problem", "text": ""} for item in items]
    return yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=1000)


def confirm(facts: Facts, carryover: Carryover, decisions: list[Decision]) -> Facts:
    """Facts with the user's choices applied and the confirmed table attached; refused while an item not
    fully done has no choice."""
    plans = {item.plan for item in carryover.items}
    chosen: dict[str, Decision] = {}
    for decision in decisions:
        if decision.plan not in plans:
            raise CarryoverDecisionError(f"上年计划中没有“{decision.plan}”这一项，请刷新对照表后再选。")
        if decision.choice in ("add_fact", "problem") and not decision.text.strip():
            what = "要补充的事实" if decision.choice == "add_fact" else "未完成的原因"
            raise CarryoverDecisionError(f"“{decision.plan}”：请填写{what}。")
        chosen[decision.plan] = decision
    # left alone, an item not done would be counted in the tally and named nowhere in the draft
    if missing := [item for item in carryover.items if item.status != "done" and item.plan not in chosen]:
        raise Undecided(missing)
    data = facts.model_dump()
    rows = []
    for item in carryover.items:
        decision = chosen.get(item.plan)
        rows.append(row := _row(item, decision))
        if decision is None:
            continue
        if decision.choice == "add_fact":
            data["facts"].append(decision.text.strip())
        elif decision.choice == "problem":
            data["problems"].append(problem_line(item, row.status, decision.text.strip()))
        else:
            data["plans"].append(item.plan)
    data["carryover"] = CarryoverTable(rows=rows).model_dump()
    confirmed = parse_facts(data)
    confirmed.flagged = list(dict.fromkeys(facts.flagged + confirmed.flagged))
    return confirmed


def require_same_facts(compared: Facts, current: Facts) -> None:
    """Refuse to confirm a table built from other 工作要点: a line added since may report an item the table
    calls not done, and one deleted may be what an item's 已完成 rests on."""
    added = [line for line in current.facts if line not in compared.facts]
    removed = [line for line in compared.facts if line not in current.facts]
    if not added and not removed:
        return
    changes = [f"新增{_lines(added)}" if added else "", f"删去或改动{_lines(removed)}" if removed else ""]
    raise CarryoverDecisionError(
        "工作要点在对照之后有改动（" + "，".join(c for c in changes if c) + "），对照表已不准确。"
        "请再点一次“对照上年计划”，核对后再确认；您填写的内容都还在。"
    )


def problem_line(item: ItemResult, status: CarryoverStatus, reason: str) -> str:
    """年初计划“新发展会员50人”只完成了一部分（计划50人、实际28人、完成56%），原因：……"""
    figures = "；".join(t.describe() for t in item.targets if t.achieved is not None)
    partial = status == "partial"
    return (
        f"年初计划{item.plan}，{'只完成了一部分' if partial else '没有完成'}"
        + (f"（{figures}）" if partial and figures else "")
        + f"，原因：{reason.rstrip('。')}"
    )


def _row(item: ItemResult, decision: Decision | None) -> CarryoverRow:
    """The row as confirmed: a fact added makes it done; sent to 存在的问题 or the plan, an item the matcher
    found done is not done, and the facts it was matched on no longer hold it up."""
    if decision is None:
        return CarryoverRow(plan=item.plan, status=item.status, facts=item.facts)
    if decision.choice == "add_fact":
        added = [*item.facts, decision.text.strip()]
        return CarryoverRow(plan=item.plan, status="done", decision=decision.choice, facts=added)
    if item.status == "done":
        return CarryoverRow(plan=item.plan, status="not_mentioned", decision=decision.choice)
    return CarryoverRow(plan=item.plan, status=item.status, decision=decision.choice, facts=item.facts)


def _named(items: list[ItemResult]) -> str:
    shown = "、".join(f"“{item.plan}”（{STATUS_LABELS[item.status]}）" for item in items[:SHOWN])
    return shown + (f"等 {len(items)} 项" if len(items) > SHOWN else "")


def _lines(lines: list[str]) -> str:
    return f"“{lines[0]}”" + (f"等 {len(lines)} 条" if len(lines) > 1 else "")
