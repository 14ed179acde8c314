"""Citation checking of generated answers (fake embedder)."""

from rag.answering.support import UNSUPPORTED, CitationChecker, split_cited_sentences
from rag.types import Hit


def hit(text, article="a", start=0):
    return Hit(text=text, score=0.5, article_id=article, title=None, source=None, date=None,
               url=None, start=start, end=start + len(text), citation=f"{article}.txt")


HITS = [hit("The council approved the harbour bridge on Tuesday. Fishermen protested."),
        hit("A storm hit the coast overnight. Thousands lost power.", "b", 100)]


def checker(fake_embedder):
    return CitationChecker(fake_embedder.encode, word_share_needed=0.6, similarity_needed=0.6)


def test_marker_after_the_full_stop_belongs_to_the_sentence_before():
    parsed = split_cited_sentences("The bridge was approved. [1] A storm hit the coast [2].")
    assert parsed == [("The bridge was approved.", [1]), ("A storm hit the coast.", [2])]


def test_citation_numbers_that_point_to_no_passage_are_removed(fake_embedder):
    result = checker(fake_embedder).check(
        "The council approved the harbour bridge [1][7]. A storm hit the coast [9].", HITS)
    assert result.removed_markers == [7, 9]
    assert "[7]" not in result.text and "[9]" not in result.text
    assert all(1 <= n <= len(HITS) for s in result.sentences for n in s.citations)
    # Said in the model's numbering, without markers the answer's could be taken for.
    assert result.notes[0] == "The model cited passages it was not given (its numbers 7, 9); removed."


def test_sentence_without_support_is_marked_unsupported(fake_embedder):
    result = checker(fake_embedder).check(
        "The council approved the harbour bridge [1]. Aliens landed in Paris yesterday [1].",
        HITS)
    supported = [s.supported for s in result.sentences]
    assert supported == [True, False]
    assert result.text.endswith(UNSUPPORTED) and result.usable


def test_uncited_sentence_is_credited_to_the_passage_that_supports_it(fake_embedder):
    result = checker(fake_embedder).check("Thousands lost power after a storm hit the coast.",
                                          HITS)
    assert result.sentences[0].citations == (1,) and result.sentences[0].supported
    citation = result.citations[0]
    assert citation.hit is HITS[1] and citation.quotes == ((100, 132),)
    assert "added" in result.notes[0]


def test_answer_supported_by_nothing_is_not_usable(fake_embedder):
    result = checker(fake_embedder).check("Aliens landed in Paris [1].", HITS)
    assert not result.usable and result.sentences[0].supported is False


def test_short_answer_is_checked_as_the_claim_it_makes_with_the_question(fake_embedder):
    hits = [hit("The US decided not to use its veto power. Diplomats met in New York.")]
    result = checker(fake_embedder).check("The US.", hits, "Who decided not to use its veto?")
    assert result.sentences[0].supported and result.sentences[0].citations == (1,)


def test_citations_are_numbered_in_order_of_first_mention_not_by_passage(fake_embedder):
    # The model cites the prompt's passage numbers: "[2]" first, passage 1 never.
    result = checker(fake_embedder).check("Thousands lost power after a storm hit the coast [2].",
                                          HITS)
    assert result.text == "Thousands lost power after a storm hit the coast. [1]"
    assert [(c.number, c.hit) for c in result.citations] == [(1, HITS[1])]


def test_a_credited_citation_note_names_its_number_and_quotes_the_sentence_once(fake_embedder):
    result = checker(fake_embedder).check("Thousands lost power after a storm hit the coast.",
                                          HITS)
    assert result.notes == [
        "Citation [1] was added to the sentence “Thousands lost power after a storm hit the "
        "coast.”"]
