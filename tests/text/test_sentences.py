"""The one sentence splitter and the one clause splitter (pure functions)."""

from rag.text.sentences import clause_spans, clauses, passage_sentences, split_sentences
from rag.types import Hit


def _sentences(text):
    return [text[a:b] for a, b in split_sentences(text)]


def test_abbreviations_and_initials_do_not_end_a_sentence():
    text = ("Mr. Miller met Sen. J. Smith at 10 a.m. on Monday. The U.S. envoy left. "
            "Prices rose, e.g. for bread. It ended.")
    assert _sentences(text) == [
        "Mr. Miller met Sen. J. Smith at 10 a.m. on Monday.",
        "The U.S. envoy left.",
        "Prices rose, e.g. for bread.",
        "It ended.",
    ]


def test_sentences_end_after_closing_quotes_and_at_paragraph_breaks():
    text = "“We will not veto,” he said. “Never.”\n\nA new paragraph"
    assert _sentences(text) == ["“We will not veto,” he said.", "“Never.”", "A new paragraph"]


def test_sentence_spans_carry_the_offset():
    assert split_sentences("One. Two.", offset=100) == [(100, 104), (105, 109)]


def test_clauses_split_at_punctuation_dashes_quotes_and_conjunctions():
    sentence = ("The council passed the resolution, 14 to 0; the US abstained — a rare step "
                "after it had vetoed drafts, “a shift,” he said")
    assert [sentence[a:b] for a, b in clause_spans(sentence)] == [
        "The council passed the resolution", "14 to 0", "the US abstained", "a rare step",
        "after it had vetoed drafts", "a shift", "he said"]


def test_numbers_and_times_are_not_clause_breaks():
    sentence = "About 32,000 people left at 7:30 on Monday"
    assert clause_spans(sentence) == [(0, len(sentence))]


def test_clauses_join_short_pieces_and_leave_out_the_whole_sentence():
    sentence = ("The Security Council passed a resolution on Monday, after the United States "
                "decided not to use its veto, officials said")
    assert clauses(sentence) == [
        "The Security Council passed a resolution on Monday",
        "after the United States decided not to use its veto, officials said"]
    assert clauses("“The vote passed,” he said.") == []


def _hit(article_id, start, text):
    return Hit(text=text, score=1.0, article_id=article_id, title=None, source=None, date=None,
               url=None, start=start, end=start + len(text), citation=article_id)


def test_passage_sentences_keep_each_sentence_once_with_the_first_passage():
    article = "First point here. Second point here. Third point here."
    hits = [_hit("a", 0, article[:36]), _hit("a", 18, article[18:]), _hit("b", 0, article[:17])]
    got = [(s.hit_pos, s.start, s.end, s.text) for s in passage_sentences(hits)]
    assert got == [(0, 0, 17, "First point here."), (0, 18, 36, "Second point here."),
                   (1, 37, 54, "Third point here."), (2, 0, 17, "First point here.")]


def test_sentence_at_finds_the_sentence_holding_a_position_with_offsets():
    from rag.text.sentences import sentence_at

    text = "The vote passed. Mr. Smith left early."
    assert sentence_at(text, 20, offset=100) is None            # offsets apply to `at` too
    assert sentence_at(text, 120, offset=100) == (117, 138)
    assert sentence_at(text, 3) == (0, 16)
    assert sentence_at(text, 16) is None                        # the space between them
