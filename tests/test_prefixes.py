"""The shipped jieba prefix dictionary equals jieba's own, cuts as jieba cuts, and is refused when damaged."""

import logging
import marshal
import zlib
from concurrent.futures import ThreadPoolExecutor

import jieba
import pytest

from drafting.corpus.reports import read_bundled
from drafting.settings import Settings
from drafting.text import prefixes
from drafting.text.lexicon import DOMAIN_WORDS


@pytest.fixture(scope="module")
def jiebas_own() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@pytest.fixture(scope="module")
def texts() -> list[str]:
    reports = read_bundled(Settings().corpus_dir)
    return [paragraph for report in reports[:6] for paragraph in report.body.split("\n") if paragraph.strip()]


def with_domain_words(tokenizer: jieba.Tokenizer) -> jieba.Tokenizer:
    for word in DOMAIN_WORDS:
        tokenizer.add_word(word, freq=200000)
    return tokenizer


def test_the_shipped_buckets_are_exactly_jiebas_prefix_dictionary(jiebas_own):
    shipped = prefixes.load(prefixes.shipped_file())
    assert shipped is not None
    merged: dict[str, int] = {}
    for char, bucket in shipped.buckets.items():
        entries = marshal.loads(zlib.decompress(bucket))
        assert {word[0] for word in entries} == {char}
        merged.update(entries)
    assert shipped.total == jiebas_own.total
    assert merged == jiebas_own.FREQ


def test_cuts_equal_jiebas_with_the_domain_words(texts):
    reference = with_domain_words(jieba.Tokenizer())
    lazy = with_domain_words(prefixes.tokenizer())
    assert isinstance(lazy, prefixes.Tokenizer)
    assert lazy.total == reference.total
    for text in texts:
        assert lazy.lcut(text) == reference.lcut(text)
        assert lazy.lcut_for_search(text) == reference.lcut_for_search(text)
    assert len(lazy.FREQ) < len(reference.FREQ)  # only the characters met were loaded
    assert {word: reference.FREQ[word] for word in lazy.FREQ} == lazy.FREQ  # the domain words kept theirs


def test_loading_every_bucket_gives_jiebas_whole_dictionary_and_keeps_the_domain_words(jiebas_own, texts):
    lazy = with_domain_words(prefixes.tokenizer())
    lazy.load_all()
    assert lazy._unloaded == {}
    assert all(lazy.FREQ[w] == (200000 if w in DOMAIN_WORDS else f) for w, f in jiebas_own.FREQ.items())
    assert all(lazy.FREQ[word] == 200000 for word in DOMAIN_WORDS)
    reference = with_domain_words(jieba.Tokenizer())
    assert [lazy.lcut(text) for text in texts] == [reference.lcut(text) for text in texts]


def test_a_domain_word_stays_whole_after_its_bucket_is_met_again():
    lazy = with_domain_words(prefixes.tokenizer())
    assert "女职工特殊权益" in lazy.lcut("维护女职工特殊权益，女职工工作有新进展")


def test_threads_cutting_at_once_on_a_new_tokenizer_get_jiebas_cuts(jiebas_own, texts):
    reference = [jiebas_own.lcut(text) for text in texts]
    for _ in range(3):
        lazy = prefixes.tokenizer()
        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(lazy.lcut, texts)) == reference


def test_a_damaged_file_is_refused_and_jieba_loads_its_own_dictionary(tmp_path, caplog, texts):
    damaged = tmp_path / prefixes.FILE_NAME
    content = bytearray(prefixes.shipped_file().read_bytes())
    content[len(content) // 2] ^= 0xFF
    damaged.write_bytes(bytes(content))
    with caplog.at_level(logging.WARNING):
        assert prefixes.load(damaged) is None
        assert prefixes.load(tmp_path / "missing.bin") is None
    assert caplog.text.count("随包附带的分词词典无法使用") == 2


def test_a_file_made_for_another_jieba_is_refused(tmp_path, monkeypatch, caplog):
    made = tmp_path / prefixes.FILE_NAME
    prefixes.write(made, {"工会": 3, "工": 0}, 3)
    loaded = prefixes.load(made)
    assert loaded is not None and loaded.total == 3
    assert marshal.loads(zlib.decompress(loaded.buckets["工"])) == {"工会": 3, "工": 0}
    monkeypatch.setattr(jieba, "__version__", "0.43")
    with caplog.at_level(logging.WARNING):
        assert prefixes.load(made) is None
    assert "made for jieba" in caplog.text


def test_without_the_file_the_tokenizer_is_jiebas_own(monkeypatch, tmp_path, jiebas_own):
    monkeypatch.setattr(prefixes, "shipped_file", lambda: tmp_path / "missing.bin")
    tokenizer = prefixes.tokenizer()
    assert type(tokenizer) is jieba.Tokenizer
    assert tokenizer.lcut("职工代表大会") == jiebas_own.lcut("职工代表大会")
