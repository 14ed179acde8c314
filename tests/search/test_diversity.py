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


def test_shingles_are_the_word_trigrams_of_the_lower_cased_text():
    assert shingles("The Fed raised rates, the Fed said.") == frozenset(
        {("the", "fed", "raised"), ("fed", "raised", "rates"), ("raised", "rates", "the"),
         ("rates", "the", "fed"), ("the", "fed", "said")})
    assert shingles("Two words") == frozenset({("two", "words")}) and shingles("...") == frozenset()


def test_diversify_skips_exactly_the_passages_contained_in_an_earlier_choice():
    """Overlapping chunks, syndicated copies, short tails and an empty text:
    which are kept at each threshold, cap and k (worked out by hand from the
    word ranges: a passage goes when more than ``duplicate_above`` of its own
    trigrams, or of the kept one's, are shared)."""
    words = [f"w{i}" for i in range(60)]
    ranges = [(0, 20), (10, 30), (2, 19), (40, 60), (0, 0), (15, 20), (25, 45), (0, 20), (5, 9)]
    items = [(f"a{i % 3}", " ".join(words[a:b])) for i, (a, b) in enumerate(ranges)]
    for (k, above, cap), kept in [((9, 0.8, 0), [0, 1, 3, 4, 6]),   # 2, 5, 7, 8 inside 0
                                  ((9, 0.5, 0), [0, 1, 3, 4, 6]),   # 1 shares 8 of 18: kept
                                  ((4, 0.8, 2), [0, 1, 3, 4]),
                                  ((9, 0.0, 1), [0, 4]),            # any overlap; one per group
                                  ((9, 1.0, 0), list(range(9)))]:   # the check off
        assert _run(items, k, duplicate_above=above, max_per_group=cap) == \
            [items[i] for i in kept]
