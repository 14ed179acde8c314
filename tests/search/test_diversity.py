"""Diversity of the top k: near-duplicates and per-article caps."""

from rag.search.diversity import containment, diversify, shingles

STORY = "The central bank raised interest rates by half a point on Tuesday, citing inflation."


def _run(items, k, **kw):
    return diversify(items, k, text=lambda it: it[1], group=lambda it: it[0], **kw)


def test_syndicated_copy_of_a_chosen_passage_is_skipped():
    items = [("ap", STORY), ("yahoo", "Reuters - " + STORY), ("bbc", "Storms hit the coast.")]
    assert [a for a, _ in _run(items, 2)] == ["ap", "bbc"]


def test_duplicates_are_kept_when_the_check_is_off():
    items = [("ap", STORY), ("yahoo", STORY), ("bbc", "Storms hit the coast.")]
    assert [a for a, _ in _run(items, 2, duplicate_above=1.0)] == ["ap", "yahoo"]


def test_per_article_cap_lets_other_articles_in():
    items = [("a", "one two three four"), ("a", "five six seven eight"),
             ("a", "nine ten eleven twelve"), ("b", "alpha beta gamma delta")]
    assert [a for a, _ in _run(items, 3, max_per_group=2)] == ["a", "a", "b"]
    assert [a for a, _ in _run(items, 3)] == ["a", "a", "a"]


def test_containment_of_overlapping_passages():
    a, b = shingles("w1 w2 w3 w4 w5 w6"), shingles("w4 w5 w6 w7 w8 w9 w10 w11")
    # a has 4 trigrams, b has 6; they share (w4 w5 w6) only.
    assert containment(a, b) == 1 / 4
    assert containment(a, frozenset()) == 0.0
