"""The one stemmer and stop-word list: BM25 tokens, content words, stems (pure functions)."""

import threading

from rag.text.words import (
    BM25_STOP_WORDS,
    STOP_WORDS,
    content_words,
    stem,
    tokenize,
    word_share,
)


def test_inflections_of_a_word_share_one_stem():
    assert stem("vetoed") == stem("vetoes") == stem("veto") == stem("Vetoed") == "veto"
    assert stem("cancelled") == stem("canceled") == stem("cancels")


def test_possessive_with_either_apostrophe_stems_to_the_name():
    assert stem("Biden’s") == stem("Biden's") == stem("Biden")


def test_bm25_tokens_content_words_and_stems_come_from_one_stemmer():
    text = "The council vetoed resolutions"
    assert tokenize(text) == ["council", "veto", "resolut"]
    assert content_words(text) == {stem("council"), stem("vetoed"), stem("resolutions")}
    assert content_words("It vetoes the resolution") == content_words("vetoed resolutions")


def test_bm25_drops_only_lucenes_stop_words():
    from bm25s.stopwords import STOPWORDS_EN

    assert BM25_STOP_WORDS == frozenset(STOPWORDS_EN)
    assert tokenize("what he said about it") == ["what", "he", "said", "about"]


def test_content_words_drop_every_stop_word_of_the_one_list():
    assert BM25_STOP_WORDS < STOP_WORDS
    assert content_words("What did he say to them after the vote?") == {"vote"}
    assert content_words("Mr Smith said he would not, and could not, go") == {"smith", "go"}


def test_acronyms_count_even_when_they_spell_a_stop_word():
    assert "us" in content_words("The US abstained")
    assert "us" not in content_words("He told us")


def test_word_share_is_the_share_of_words_found_in_the_reference():
    assert word_share(content_words("storm hit coast"), content_words("The storm hits")) == 2 / 3
    assert word_share(frozenset(), {"storm"}) == 0.0


def test_stemming_from_many_threads_gives_the_same_stems():
    # A Snowball stemmer must not be shared between threads: each gets its own.
    words = [f"vetoed{n}" for n in range(2000)] + ["resolutions"] * 2000
    expected = tokenize(" ".join(words))
    results = []

    def work():
        results.append(tokenize(" ".join(words)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4
