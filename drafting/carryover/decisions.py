"""The user's choices for items not fully done, turned into facts, problems, plans and the confirmed table.

For each partial or not_mentioned item the user chooses: add a fact (it was done and left out: the
item counts as done), send it to 存在的问题 with a reason they type, or carry it into next year's plan.
The result is a new Facts whose `carryover` table is the only source the draft's tally is counted from.
"""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from drafting.carryover.match import Carryover, ItemResult
from drafting.errors import UserError
from drafting.writing.facts import CarryoverRow, CarryoverTable, Facts, parse_facts

Choice = Literal["add_fact", "problem", "carry"]


class Decision(BaseModel):
    plan: str
    choice: Choice
    text: str = ""  # the fact to add, or the reason it goes to 存在的问题


class CarryoverDecisionError(UserError):
    """A choice the table cannot take; the message names what to fix."""


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


def confirm(facts: Facts, carryover: Carryover, decisions: list[Decision]) -> Facts:
    """Facts with the user's choices applied and the confirmed table attached."""
    items = {item.plan: item for item in carryover.items}
    chosen: dict[str, Decision] = {}
    for decision in decisions:
        item = items.get(decision.plan)
        if item is None:
            raise CarryoverDecisionError(f"上年计划中没有“{decision.plan}”这一项，请刷新对照表后再选。")
        if item.status == "done":
            raise CarryoverDecisionError(f"“{decision.plan}”已完成，不需要处理。")
        if decision.choice in ("add_fact", "problem") and not decision.text.strip():
            what = "要补充的事实" if decision.choice == "add_fact" else "未完成的原因"
            raise CarryoverDecisionError(f"“{decision.plan}”：请填写{what}。")
        chosen[decision.plan] = decision
    data = facts.model_dump()
    for plan, decision in chosen.items():
        if decision.choice == "add_fact":
            data["facts"].append(decision.text.strip())
        elif decision.choice == "problem":
            data["problems"].append(problem_line(items[plan], decision.text.strip()))
        else:
            data["plans"].append(plan)
    data["carryover"] = CarryoverTable(
        rows=[_row(item, chosen.get(item.plan)) for item in carryover.items]
    ).model_dump()
    confirmed = parse_facts(data)
    confirmed.flagged = list(dict.fromkeys(facts.flagged + confirmed.flagged))
    return confirmed


def problem_line(item: ItemResult, reason: str) -> str:
    """年初计划“新发展会员50人”只完成了一部分（计划50人、实际28人、完成56%），原因：……"""
    figures = "；".join(t.describe() for t in item.targets if t.achieved is not None)
    state = "只完成了一部分" if item.status == "partial" else "没有完成"
    return (
        f"年初计划{item.plan}，{state}"
        + (f"（{figures}）" if figures else "")
        + f"，原因：{reason.rstrip('。')}"
    )


def _row(item: ItemResult, decision: Decision | None) -> CarryoverRow:
    if decision is None:
        return CarryoverRow(plan=item.plan, status=item.status, facts=item.facts)
    if decision.choice == "add_fact":
        added = [*item.facts, decision.text.strip()]
        return CarryoverRow(plan=item.plan, status="done", decision=decision.choice, facts=added)
    return CarryoverRow(plan=item.plan, status=item.status, decision=decision.choice, facts=item.facts)
