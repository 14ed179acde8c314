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
    """The kept passages are those a pairwise containment check keeps
    (overlapping chunks, syndicated copies, short tails, empty texts)."""
    words = [f"w{i}" for i in range(60)]
    texts = [" ".join(words[a:b]) for a, b in
             [(0, 20), (10, 30), (2, 19), (40, 60), (0, 0), (15, 20), (25, 45), (0, 20), (5, 9)]]
    items = [(f"a{i % 3}", t) for i, t in enumerate(texts)]

    def reference(k, above, cap):
        chosen, per = [], {}
        for group, text in items:
            if len(chosen) == k:
                break
            if cap and per.get(group, 0) >= cap:
                continue
            if above < 1 and any(containment(shingles(text), shingles(t)) > above
                                 for _, t in chosen):
                continue
            per[group] = per.get(group, 0) + 1
            chosen.append((group, text))
        return chosen

    for k, above, cap in [(9, 0.8, 0), (9, 0.5, 0), (4, 0.8, 2), (9, 0.0, 1), (9, 1.0, 0)]:
        assert _run(items, k, duplicate_above=above, max_per_group=cap) == reference(k, above, cap)
