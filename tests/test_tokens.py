"""tiktoken works offline from the seeded cache; budgeting trims optional text, never the fixed."""

import subprocess
import sys

from drafting.models.tokens import count_tokens, encoding, fit_to_budget, trim_to_tokens


def test_counts_chinese_with_o200k_and_cl100k():
    text = "春节走访慰问困难职工23户，发放慰问金4.6万元"
    assert encoding("o200k_base").decode(encoding("o200k_base").encode(text)) == text
    assert 5 < count_tokens(text) < len(text)
    assert count_tokens(text, "gpt-4") != count_tokens(text, "gpt-4o")


def test_no_download_is_attempted_in_a_fresh_process(tmp_path):
    """A new process with an empty cache dir and no network proxy still loads both encodings, and never
    imports the package the BPE files come from (its import parses three of them: 1.3 s)."""
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "from drafting.models.tokens import count_tokens\n"
        "print(count_tokens('职代会', 'gpt-4o'), count_tokens('职代会', 'gpt-4'))\n"
        "assert 'bpe_openai' not in sys.modules, 'bpe_openai was imported'\n"
    )
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == 2


def test_trim_and_budget():
    text = "工会" * 100
    trimmed = trim_to_tokens(text, 10)
    assert text.startswith(trimmed) and count_tokens(trimmed) <= 10
    assert trim_to_tokens("短", 10) == "短"
    fixed = ["事实：慰问困难职工23户"]
    kept = fit_to_budget(fixed, ["范文一" * 10, "范文二" * 1000, "范文三"], budget=60)
    assert kept == ["范文一" * 10]
