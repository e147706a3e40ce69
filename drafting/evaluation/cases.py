"""Evaluation cases: facts files in a folder, the bundled set by default (drafting/data/eval_cases)."""

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from drafting.errors import UserError

if TYPE_CHECKING:
    from drafting.writing.facts import Facts

CASE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Case:
    name: str  # the file name without its suffix, e.g. "01-school"
    facts: "Facts"


def bundled_cases_dir() -> Path:
    return Path(str(resources.files("drafting") / "data" / "eval_cases"))


def load_cases(directory: Path | None = None) -> list[Case]:
    """Every facts file in the folder, in name order; a file that does not parse stops the run, named."""
    from drafting.writing.facts import load_facts_file

    folder = directory or bundled_cases_dir()
    if not folder.is_dir():
        raise UserError(
            f"找不到评测用例文件夹：{folder}。请用 --cases 指向存放要点文件（.yaml/.json）的文件夹。"
        )
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in CASE_SUFFIXES)
    if not files:
        raise UserError(f"文件夹 {folder} 里没有要点文件（.yaml/.yml/.json）。")
    cases = []
    for path in files:
        try:
            cases.append(Case(name=path.stem, facts=load_facts_file(path)))
        except UserError as error:
            raise UserError(f"评测用例 {path.name} 有问题：{error}") from error
    return cases
