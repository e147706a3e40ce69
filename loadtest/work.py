"""What each soak action costs through the service alone, in a warm process with the bundled index: the work
a click is weighed against.

`drafting bench --soak` weighs the server's CPU per action against one offline draft's pipeline, as #17
asks; but a search, an export or an import has work of its own, cheaper or dearer than a draft. Doing the
same six actions here, without Streamlit, tells how much of the server's CPU is the app around the work.
"""

import itertools
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from drafting.resources import load_data
from drafting.retrieval.library import Library
from drafting.service import DraftingService
from drafting.settings import Settings
from drafting.storage.backup import AFTER_SAVE, EXIT_WAIT_SECONDS
from drafting.writing.facts import parse_facts
from loadtest.soak import CONTESTS, HISTORY, QUERIES, TONE_TEXTS, report_file


def service_cpu_per_action(repeats: int = 5) -> dict[str, float]:
    """CPU seconds of each of the soak's actions (the six and 历史) done through `DraftingService` (this
    process's, its background copies included), each the mean of `repeats` after one that loads what later
    ones reuse, as a warm server has."""
    data_dir = Path(tempfile.mkdtemp(prefix="drafting-bench-work-"))
    settings = Settings(_env_file=None, data_dir=data_dir, database_url="", llm_base_url="")  # type: ignore[call-arg]
    library = Library(settings)
    try:
        library.ensure_built()
        service = DraftingService(settings, library=library)
        facts = parse_facts(load_data("example_facts.yaml"))
        draft = service.draft(facts, offline=True)
        keys = itertools.cycle(s.key for s in draft.sections)
        queries, numbers = itertools.cycle(QUERIES), itertools.count(1)
        # each export a draft not exported yet, each tone text a new one, as in the soak (both are cached)
        unexported = iter([service.draft(facts, offline=True).id for _ in range(repeats + 1)])

        def import_report() -> None:
            number = next(numbers)
            activity = f"举办第{number}届{CONTESTS[number % len(CONTESTS)]}"
            service.import_upload(*report_file("青溪县第一中学工会", activity, number))

        actions: Mapping[str, Callable[[], object]] = {
            "draft offline": lambda: service.draft(facts, offline=True),
            "regenerate": lambda: service.regenerate(draft.id, next(keys), offline=True),
            "search": lambda: service.search(next(queries)),
            "tone": lambda: service.tone(f"{TONE_TEXTS[0]}（第{next(numbers)}稿）"),
            "export Word": lambda: service.export_docx(next(unexported)),
            "import report": import_report,
            HISTORY: service.list_drafts,
        }
        return {name: _cpu(do, repeats) for name, do in actions.items()}
    finally:
        AFTER_SAVE.wait(EXIT_WAIT_SECONDS, under=data_dir)
        library.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def weighted(work: Mapping[str, float], counts: Mapping[str, int]) -> float:
    """The mean work per action for actions done `counts` times each."""
    done = sum(counts.get(name, 0) for name in work)
    return sum(seconds * counts.get(name, 0) for name, seconds in work.items()) / max(done, 1)


def _cpu(do: Callable[[], object], repeats: int) -> float:
    do()
    started = time.process_time()
    for _ in range(repeats):
        do()
    return (time.process_time() - started) / repeats
