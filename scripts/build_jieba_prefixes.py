"""Remake the shipped jieba prefix dictionary (drafting/data/jieba-prefixes.bin) after jieba changes.

Run from the repository: `.venv/bin/python scripts/build_jieba_prefixes.py` (a few seconds);
tests/test_prefixes.py fails until the shipped file matches the installed jieba.
"""

from pathlib import Path

import jieba

from drafting.text import prefixes

PATH = Path(__file__).resolve().parent.parent / "drafting" / "data" / prefixes.FILE_NAME


def main() -> None:
    tokenizer = jieba.Tokenizer()
    frequencies, total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
    prefixes.write(PATH, frequencies, total)
    print(f"{len(frequencies)} words and prefixes written to {PATH} ({PATH.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
