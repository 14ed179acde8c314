"""The short answer: question typing, candidate phrases, the cross-source vote,
and how it is attached to an answer (spans, citations)."""

from dataclasses import replace

from rag.answering.short import (
    SHORT_ANSWER_FLOOR,
    candidate_scores,
    candidates,
    short_answer,
    vote,
    with_short_answer,
)
from rag.types import Answer, AnswerSentence, Citation, Hit, cited_text


def hit(text: str, article: str, source: str, start: int = 0) -> Hit:
    return Hit(text, 1.0, article, f"{article} story", source, "2024-03-26", None, start,
               start + len(text), f"{article} story — {source}")


def test_who_questions_do_not_answer_with_an_institution():
    hits = [hit("The State of the Union address was delivered to Congress on Tuesday.",
                "a", "Outlet A"),
            hit("Lawmakers in Congress heard the State of the Union address on Tuesday night.",
                "b", "Outlet B"),
            hit("Joe Biden delivered the address, his second.", "c", "Outlet C")]
    assert short_answer("Who delivered the State of the Union address?", hits)[0] \
        == "Joe Biden"


def test_who_questions_skip_names_inside_quoted_titles():
    hits = [hit('Steven Spielberg\'s film "The Fabelmans" won best director at the Globes.',
                "a", "Outlet A")]
    found = candidates("Who won best director at the Golden Globes?", hits)
    assert [p.text for p in found] == ["Steven Spielberg"]


def test_where_questions_prefer_a_place_to_a_person():
    hits = [hit("The rocket of Richard Branson launched on Monday.", "a", "Outlet A"),
            hit("Richard Branson watched the rocket launched on Monday.", "b", "Outlet B"),
            hit("Crowds gathered in Cornwall where the rocket launched.", "c", "Outlet C")]
    assert short_answer("The rocket launched from where on Monday?", hits)[0] == "Cornwall"


def test_a_when_question_is_not_answered_with_the_day_a_report_was_told():
    hits = [hit("Ardern is quitting as prime minister because of burnout, the 42-year-old "
                "said Thursday.", "a", "Outlet A"),
            hit("Ardern said Thursday she had been prime minister since 2017.", "b", "Outlet B")]
    question = "Ardern has announced her resignation after serving as prime minister since when?"
    assert [p.text for p in candidates(question, hits)] == ["2017"]
    assert "Thursday" in [p.text for p in candidates("When did Ardern say she was quitting?",
                                                     hits)]


def test_how_many_candidates_are_numbers_without_the_asked_unit():
    hits = [hit("The resolution was backed by 14 nations on Monday.", "a", "Outlet A")]
    found = candidates("How many nations backed the resolution?", hits)
    assert [p.text for p in found] == ["14"]
    assert hits[0].text[found[0].start:found[0].end] == "14"


def test_a_count_of_the_asked_things_beats_a_size_written_into_a_compound():
    hits = [hit("The US has blocked three previous UN Security Council resolutions calling for "
                "an immediate ceasefire, including one last month backed by Arab states for "
                "which it was the only country on the 15-member council to issue its veto.",
                "b", "Outlet B"),
            hit("The resolution, which was backed by 14 nations, demands an immediate "
                "cease-fire during the month of Ramadan.", "a", "Outlet A")]
    assert short_answer("How many members backed the ceasefire resolution?", hits)[0] == "14"


def test_a_number_drops_a_unit_the_question_names():
    hits = [hit("A 7.8 magnitude earthquake struck the region on Monday.", "a", "Outlet A")]
    found = candidates("What was the magnitude of the quake that struck the region?", hits)
    assert [p.text for p in found] == ["7.8"]


def test_a_quoted_number_is_a_candidate_without_the_closing_quotation_mark():
    hits = [hit("Diplomats said the resolution was backed by “all 14” of the nations.", "a",
                "Outlet A")]
    assert short_answer("How many nations backed the resolution?", hits)[0] == "14"


def test_how_much_candidates_keep_the_currency():
    hits = [hit("The grant will rise by $500 next year.", "a", "Outlet A")]
    found = candidates("How much will the grant rise by?", hits)
    assert [p.text for p in found] == ["$500"]


def test_an_age_is_the_number_without_its_hyphenated_unit():
    hits = [hit("Lucile Randon, the 118-year-old nun, died in her sleep.", "a", "Outlet A")]
    found = candidates("Lucile Randon, a nun, died this week. What age was she?", hits)
    assert [p.text for p in found] == ["118"]


def test_by_how_much_can_be_answered_by_a_percentage():
    hits = [hit("New podcasts dropped by 80% in two years, data showed.", "a", "Outlet A")]
    found = candidates("New podcasts have dropped by how much, data showed?", hits)
    assert "80%" in [p.text for p in found]


def test_names_from_the_question_are_not_candidates():
    hits = [hit("Damar Hamlin plays for the Buffalo Bills, his coach said.", "a", "Outlet A")]
    found = candidates("Damar Hamlin is a member of which team?", hits)
    assert [p.text for p in found] == ["Buffalo Bills"]


def test_which_noun_questions_find_the_word_before_the_noun():
    hits = [hit("The FDA added sesame seeds to its list of allergens.", "a", "Outlet A")]
    found = candidates("Which seed did the FDA add to its list of allergens?", hits)
    assert "sesame seeds" in [p.text for p in found]


def test_which_noun_questions_find_lower_case_kinds_of_the_noun():
    hits = [hit("Nothing comes close to the rising cost of eggs, as a dozen now costs $4.",
                "a", "Outlet A"),
            hit("Blogger fined for eating a great white shark on camera.", "b", "Outlet B")]
    found = candidates("Nothing comes close to the rising cost of which food?", hits[:1])
    assert "eggs" in [p.text for p in found]
    assert "dozen" not in [p.text for p in found]       # a number, not a food
    shark = candidates("The blogger was fined for eating which sea creature?", hits[1:])
    assert [p.text for p in shark] == ["great white shark"]     # the longest run, once


def test_a_kind_is_shown_as_most_of_its_votes_write_it():
    hits = [hit("Shoppers paid the most for the egg this winter.", "a", "Outlet A"),
            hit("Stores ran out of eggs as shoppers paid more.", "b", "Outlet B"),
            hit("Farmers sold eggs while shoppers paid more.", "c", "Outlet C"),
            hit("Shoppers paid more for eggs.", "d", "Outlet D")]
    question = "Shoppers paid the most for which food this winter?"
    found = candidates(question, hits)
    # "egg" and "eggs" vote together (one WordNet noun): the best single
    # occurrence writes "egg", but most of the votes write "eggs".
    assert {p.key for p in found} == {"kind:egg"}
    assert max(found, key=lambda p: p.weight).text == "egg"
    assert short_answer(question, hits)[0] == "eggs"


def test_which_country_candidates_are_countries_and_adjectives_vote_for_them():
    hits = [hit("Washington said the Chinese balloon drifted over Montana.", "a", "Outlet A"),
            hit("The balloon belonged to China, officials in Montana said.", "b", "Outlet B")]
    found = candidates("Which country did the balloon belong to?", hits)
    assert {p.key for p in found} == {"china"}
    assert short_answer("Which country did the balloon belong to?", hits)[0] == "China"


def test_which_state_candidates_are_us_states_only():
    hits = [hit("Ukrainian soldiers will train in Oklahoma, the Pentagon said on Tuesday.",
                "a", "Outlet A")]
    found = candidates("Ukrainians will travel to which US state to train?", hits)
    assert [p.text for p in found] == ["Oklahoma"]


def test_which_city_candidates_are_not_countries_or_regions():
    hits = [hit("Strikes in Paris brought France to a standstill, as across Europe.",
                "a", "Outlet A")]
    found = candidates("Which major city did the strikes bring to a standstill?", hits)
    assert [p.text for p in found] == ["Paris"]


def test_which_capital_candidates_are_capitals():
    hits = [hit("The Milwaukee Common Council and Paris will vote on e-scooters, France said.",
                "a", "Outlet A")]
    found = candidates("Residents of which European capital will vote on e-scooters?", hits)
    assert [p.text for p in found] == ["Paris"]


def test_title_questions_take_quoted_titles_first():
    hits = [hit("Prince Harry's memoir “Spare” went on sale, The Guardian reported.",
                "a", "Outlet A")]
    found = candidates("Prince Harry released a memoir. What is the book titled?", hits)
    assert "Spare" in [p.text for p in found]
    assert short_answer("Prince Harry released a memoir. What is the book titled?",
                        hits)[0] == "Spare"


def test_sentences_sharing_no_word_with_the_question_give_no_candidates():
    hits = [hit("Paris hosted a jazz festival.", "a", "Outlet A")]
    assert candidates("Which team did Damar Hamlin join?", hits) == []


def test_explanation_questions_have_no_candidates():
    hits = [hit("The US abstained because Joe Biden wanted a ceasefire.", "a", "Outlet A")]
    assert candidates("Why did the US abstain?", hits) == []


def winner(question: str, hits: list[Hit]) -> str:
    """The key of the candidate the vote picks."""
    return vote(candidates(question, hits), hits)[0]


def test_vote_prefers_the_figure_two_outlets_state_over_one():
    # Hand-computed: each occurrence weighs rank * (0.1 + share of the question's
    # words in its sentence) * bonuses; 14 has two articles' votes, 12 one.
    hits = [hit("The vote was backed by 12 nations.", "a", "Outlet A"),
            hit("The resolution was backed by 14 nations.", "b", "Outlet B"),
            hit("In all 14 nations backed the resolution.", "c", "Outlet C")]
    assert winner("How many nations backed the resolution?", hits) == "#14.0"


def test_a_name_next_to_the_questions_words_beats_one_far_off_in_the_same_sentence():
    hits = [hit("Michelle Yeoh won best actress in a comedy at the ceremony in Beverly Hills, "
                "which this year was hosted by the comedian Zara Zimmer.", "a", "Outlet A")]
    question = "Who won the award for best actress in a comedy at the Golden Globes?"
    weight = {p.text: p.weight for p in candidates(question, hits)}
    assert weight["Michelle Yeoh"] > 1.2 * weight["Zara Zimmer"]
    assert short_answer(question, hits)[0] == "Michelle Yeoh"


def test_vote_counts_each_article_once():
    hits = [hit("Rafah was bombed. Rafah was bombed again. Rafah again.", "a", "Outlet A"),
            hit("Israel plans to attack Khan Younis.", "b", "Outlet B"),
            hit("The army will attack Khan Younis.", "c", "Outlet C")]
    assert winner("Which city will Israel attack?", hits) == "khan younis"


def test_a_short_name_lends_its_votes_to_the_full_name_stated_about_as_often():
    hits = [hit("Speaker Kevin McCarthy lost the vote.", "a", "Outlet A"),
            hit("McCarthy lost the vote again.", "b", "Outlet B"),
            hit("Kevin McCarthy lost the vote once more.", "c", "Outlet C"),
            hit("Matt Gaetz said nothing of the vote.", "d", "Outlet D")]
    assert winner("Which Republican lost the vote?", hits) == "kevin mccarthy"


def test_candidate_scores_are_the_scores_the_vote_compares():
    hits = [hit("Speaker Kevin McCarthy lost the vote.", "a", "Outlet A"),
            hit("McCarthy lost the vote again.", "b", "Outlet B"),
            hit("Matt Gaetz said nothing of the vote.", "c", "Outlet C")]
    phrases = candidates("Which Republican lost the vote?", hits)
    scores = candidate_scores(phrases, hits)
    shown, score = vote(phrases, hits)
    # The winner is scored as its root (the short name holds every article's votes),
    # and shown in its longest form stated by half as many articles.
    assert score == scores["mccarthy"] == max(scores.values())
    assert shown == "speaker kevin mccarthy" and scores[shown] < score


def _answer(question, hits, cited=(0,), abstained=False):
    citations = [Citation(n + 1, hits[pos].article_id, hits[pos], ((hits[pos].start,
                                                                   hits[pos].end),))
                 for n, pos in enumerate(cited)]
    return Answer(question, "text", citations, hits, abstained=abstained)


def test_a_passage_that_only_mentions_the_short_answer_is_not_cited_for_it():
    hits = [hit("The US, Israel's biggest ally, decided not to use its veto.", "a", "Outlet A"),
            hit("The vote raised tensions between the US and Israel over Rafah.", "b",
                "Outlet B")]
    reply = with_short_answer(_answer("Who is Israel's biggest ally?", hits))
    assert reply.short.text == "US"
    assert reply.short.citations == (1,) and reply.short.outlets == ("Outlet A",)
    assert [c.article_id for c in reply.citations] == ["a"]


def test_short_answer_cites_where_it_occurs_with_article_offsets():
    hits = [hit("The resolution was backed by 14 nations.", "a", "Outlet A", start=100),
            hit("Diplomats said 14 nations backed the resolution.", "b", "Outlet B", start=50)]
    reply = with_short_answer(_answer("How many nations backed the resolution?", hits))
    short = reply.short
    assert short.text == "14" and short.kind == "number"
    assert short.citations == (1, 2)           # the second passage is cited for it
    assert len(reply.citations) == 2 and reply.citations[1].article_id == "b"
    for span in short.spans:
        source = next(h for h in hits if h.article_id == span.article_id)
        assert source.text[span.start - source.start:span.end - source.start] == "14"
    assert set(short.outlets) == {"Outlet A", "Outlet B"}


def test_short_answer_citations_and_notes_stay_consistent_when_numbers_do_not_start_at_one():
    # Numbers that are not 1..n in order ("[3][2]"), as local answers had before.
    hits = [hit("Officials met in New York on Monday about the vote.", "x", "Outlet X"),
            hit("The resolution was backed by 14 nations.", "a", "Outlet A"),
            hit("Diplomats said 14 nations backed the resolution.", "b", "Outlet B"),
            hit("Observers said 14 nations supported the resolution.", "c", "Outlet C")]
    sentence = AnswerSentence("The resolution was backed by 14 nations.", (3, 2))
    citations = [Citation(number, hits[pos].article_id, hits[pos], ((hits[pos].start,
                                                                   hits[pos].end),))
                 for number, pos in ((2, 1), (3, 2))]
    note = f"Citation [3] was corrected in the sentence “{sentence.text}”"
    reply = with_short_answer(Answer("How many nations backed the resolution?",
                                     cited_text([sentence]), citations, hits,
                                     sentences=[sentence], notes=[note]))
    by_number = {c.number: c.article_id for c in reply.citations}
    assert len(by_number) == len(reply.citations)           # no number given twice
    # The note names the passage by its new number, as the answer's text does.
    new = next(c.number for c in reply.citations if c.article_id == "b")
    assert reply.notes == [note.replace("[3]", f"[{new}]")] and f"[{new}]" in reply.text
    assert {"a", "b"} <= set(by_number.values())             # both still cited
    for span in reply.short.spans:
        assert by_number[span.citation] == span.article_id
    for s in reply.sentences:
        assert all(n in by_number for n in s.citations)


def test_a_note_naming_a_citation_the_cut_answer_no_longer_cites_goes_with_it():
    # The checker corrected [2] of the second sentence; the answer is cut to its
    # first, and [2] becomes Outlet B's, cited for the short answer: the note
    # must not say "[2]" of a sentence no longer shown.
    hits = [hit("The resolution was backed by 14 nations.", "a", "Outlet A"),
            hit("Officials met in New York on Monday about the vote.", "x", "Outlet X"),
            hit("Diplomats said 14 nations backed the resolution.", "b", "Outlet B")]
    sentences = [AnswerSentence(hits[0].text, (1,)), AnswerSentence(hits[1].text, (2,))]
    citations = [Citation(n, hits[pos].article_id, hits[pos], ((hits[pos].start, hits[pos].end),))
                 for n, pos in ((1, 0), (2, 1))]
    kept = "Citation [1] was added to the sentence “The resolution was backed by 14 nations.”"
    gone = f"Citation [2] was corrected in the sentence “{sentences[1].text}”"
    reply = with_short_answer(Answer("How many nations backed the resolution?",
                                     cited_text(sentences), citations, hits,
                                     sentences=sentences, notes=[kept, gone]))
    assert [(c.number, c.article_id) for c in reply.citations] == [(1, "a"), (2, "b")]
    assert reply.notes == [kept]


def test_no_short_answer_when_the_answer_abstains_or_explains():
    hits = [hit("The US abstained because it wanted a ceasefire in 2024.", "a", "Outlet A")]
    assert with_short_answer(_answer("When did the US abstain?", hits,
                                     abstained=True)).short is None
    assert with_short_answer(_answer("Why did the US abstain?", hits)).short is None


def test_short_answer_comes_first_in_text_and_json():
    hits = [hit("The resolution was backed by 14 nations.", "a", "Outlet A")]
    reply = with_short_answer(_answer("How many nations backed the resolution?", hits))
    assert reply.to_text().startswith("Answer: 14 [1]\n")
    assert '"short": {\n    "text": "14"' in reply.to_json()


def test_the_sentence_answer_becomes_the_best_sentence_and_the_one_proving_the_short_answer():
    hits = [hit("The council met on Monday to vote on the resolution.", "a", "Outlet A"),
            hit("Protesters gathered outside the council building.", "c", "Outlet C"),
            hit("The resolution was backed by 14 nations on Monday.", "b", "Outlet B")]
    sentences = [AnswerSentence(hits[0].text, (1,)), AnswerSentence(hits[1].text, (2,))]
    answer = replace(_answer("How many nations backed the resolution?", hits, cited=(0, 1)),
                     sentences=sentences, text=cited_text(sentences))
    reply = with_short_answer(answer)
    assert reply.short.text == "14"
    assert [s.text for s in reply.sentences] == [hits[0].text, hits[2].text]
    # Outlet C's passage is no longer quoted: its citation goes, Outlet B's takes number 2.
    assert [(c.number, c.article_id) for c in reply.citations] == [(1, "a"), (2, "b")]
    assert [s.citations for s in reply.sentences] == [(1,), (2,)]
    assert reply.short.citations == (2,)
    assert reply.text == f"{hits[0].text} [1] {hits[2].text} [2]"


def _proved_by(long: str) -> Answer:
    """The short answer "14" to an answer whose only sentence does not state
    it, proved by ``long``, another outlet's passage."""
    hits = [hit("The council met on Monday to vote on the resolution.", "a", "Outlet A"),
            hit(long, "b", "Outlet B")]
    sentences = [AnswerSentence(hits[0].text, (1,))]
    return with_short_answer(replace(_answer("How many nations backed the resolution?", hits),
                                     sentences=sentences, text=cited_text(sentences)))


def test_a_long_proving_sentence_is_clipped_to_the_clauses_around_the_short_answer():
    long = ("After weeks of talks that stretched late into the night in New York and drew "
            "criticism from many of the delegations present, the resolution was finally "
            "backed by 14 nations, while the United States abstained from the vote, which "
            "diplomats described as a turning point for the region and its people, though "
            "few of them expected the fighting to stop before the end of the month, or the "
            "aid convoys waiting at the border to move any time soon.")
    reply = _proved_by(long)
    proof = reply.sentences[1].text
    assert "14 nations" in proof and len(proof.split()) < len(long.split())
    assert sum(len(s.text.replace("…", "").split()) for s in reply.sentences) <= 60
    # Cut at both ends, and shown so: "…the resolution was ... month …".
    assert proof.startswith("…") and proof.endswith(" …")
    assert proof.strip("… ") in long


def test_a_proof_clipped_only_of_a_quotation_mark_shows_no_cut_there():
    long = ("Diplomats from many of the delegations, who had argued late into the night in "
            "New York over the wording of the text, the timing of the vote and the aid "
            "convoys still waiting at the border, told reporters on Monday morning that "
            "after weeks of talks, criticism and delays, “the resolution was finally backed "
            "by 14 nations.”")
    proof = _proved_by(long).sentences[1].text
    assert proof.startswith("…") and proof.endswith("by 14 nations.”")   # no " …" after it


#: An answer's best sentence long enough to leave the proof some 20 words.
_LONG_FIRST = ("The council met on Monday in New York to vote on the resolution, which had been "
               "drafted over weeks of talks between the delegations of many countries and which "
               "diplomats described as a turning point for the region and its people.")


def _proof_after_a_long_first_sentence(long: str) -> str:
    hits = [hit(_LONG_FIRST, "a", "Outlet A"), hit(long, "b", "Outlet B")]
    sentences = [AnswerSentence(_LONG_FIRST, (1,))]
    reply = with_short_answer(replace(_answer("How many nations backed the resolution?", hits),
                                      sentences=sentences, text=cited_text(sentences)))
    return reply.sentences[1].text


def test_a_proof_clipped_right_after_a_quotation_keeps_its_closing_mark():
    # Quotation marks end clauses: the clip stopped after "majority", before "”".
    proof = _proof_after_a_long_first_sentence(
        "Diplomats said the resolution was backed by 14 nations, “a clear majority” in the "
        "words of one envoy who had argued late into the night in New York over the wording "
        "of the text and the timing of the vote.")
    assert proof == "Diplomats said the resolution was backed by 14 nations, “a clear majority” …"


def test_a_proof_clipped_inside_a_quotation_closes_it_after_the_cut():
    proof = _proof_after_a_long_first_sentence(
        "Diplomats said the resolution was “backed by 14 nations, a clear majority, in a vote "
        "that stretched late into the night in New York and drew criticism from many of the "
        "delegations present.”")
    assert proof == "Diplomats said the resolution was “backed by 14 nations, a clear majority …”"


def _quoting_then_first_of(a_text: str, b_text: str) -> tuple[list[Hit], Answer]:
    """The passages of outlets A and B (B's at article offset 100), and the
    short-answer treatment of an answer quoting A whole, then B's first sentence."""
    hits = [hit(a_text, "a", "Outlet A"), hit(b_text, "b", "Outlet B", start=100)]
    first_b = (100, 100 + b_text.index(". ") + 1)
    sentences = [AnswerSentence(a_text, (1,)), AnswerSentence(b_text[:first_b[1] - 100], (2,))]
    citations = [Citation(1, "a", hits[0], ((hits[0].start, hits[0].end),)),
                 Citation(2, "b", hits[1], (first_b,))]
    return hits, with_short_answer(Answer("How many nations backed the resolution?",
                                          cited_text(sentences), citations, hits,
                                          sentences=sentences))


def test_citations_quote_only_the_sentences_the_answer_still_shows():
    # Outlet B's passage was quoted for a sentence the short answer's proof
    # replaces: the chat must highlight the proof there, not the dropped sentence.
    _, reply = _quoting_then_first_of(
        "The council met on Monday to vote on the resolution.",
        "Protesters gathered outside the council building. The resolution was backed by 14 nations.")
    assert reply.short.text == "14"
    assert reply.sentences[1].text == "The resolution was backed by 14 nations."
    assert reply.citations[1].excerpt == "The resolution was backed by 14 nations."


def test_a_passage_cited_only_for_the_short_answer_quotes_the_sentence_stating_it():
    hits, reply = _quoting_then_first_of(
        "The resolution was backed by 14 nations.",
        "Protesters gathered outside the council. Diplomats said 14 nations backed it.")
    assert [s.text for s in reply.sentences] == [hits[0].text]
    assert reply.short.citations == (1, 2)
    assert reply.citations[1].excerpt == "Diplomats said 14 nations backed it."


def test_a_passage_cited_for_the_short_answer_quotes_it_even_when_a_shown_sentence_quotes_it():
    # Both passages back the first sentence; the short answer's proof comes from
    # A, but it cites B too: B's excerpt must show the sentence saying 14.
    a_text = "The council met on Monday to vote on the resolution. The resolution was backed by 14 nations."
    b_text = "The council met on Monday to vote on the resolution. Diplomats said 14 nations backed it."
    hits = [hit(a_text, "a", "Outlet A"), hit(b_text, "b", "Outlet B", start=100)]
    met_a, met_b = (0, a_text.index(" The resolution")), (100, 100 + b_text.index(" Diplomats"))
    sentences = [AnswerSentence(a_text[:met_a[1]], (1, 2))]
    citations = [Citation(1, "a", hits[0], (met_a,)), Citation(2, "b", hits[1], (met_b,))]
    reply = with_short_answer(Answer("How many nations backed the resolution?",
                                     cited_text(sentences), citations, hits, sentences=sentences))
    assert reply.short.text == "14" and reply.short.citations == (1, 2)
    assert reply.citations[0].excerpt == a_text.replace(" The", " … The")
    assert reply.citations[1].excerpt == b_text.replace(" Diplomats", " … Diplomats")


def test_a_citation_quoting_nothing_still_quotes_nothing_once_the_answer_is_cut():
    # A local answer's unsupported sentence cites a passage it quotes nothing
    # of: the chat must not highlight that whole passage as quoted.
    hits = [hit("The resolution was backed by 14 nations.", "a", "Outlet A"),
            hit("The council met on Monday. Diplomats praised the vote.", "b", "Outlet B",
                start=100)]
    sentences = [AnswerSentence("The vote was unanimous.", (2,), supported=False),
                 AnswerSentence(hits[0].text, (1,))]
    citations = [Citation(1, "a", hits[0], ((0, hits[0].end),)), Citation(2, "b", hits[1], ())]
    reply = with_short_answer(Answer("How many nations backed the resolution?",
                                     cited_text(sentences), citations, hits, sentences=sentences,
                                     mode="local"))
    assert reply.short.text == "14"
    assert [(c.article_id, c.quotes) for c in reply.citations] == [("b", ()), ("a", ((0, 40),))]


def test_overlapping_quotes_of_a_passage_are_shown_once():
    passage = hit("The council met on Monday. The resolution was backed by 14 nations.", "a",
                  "Outlet A", start=10)
    both = Citation(1, "a", passage, ((10, 77), (37, 77), (37, 60)))
    assert both.excerpt == passage.text


def test_a_weakly_voted_short_answer_is_not_shown():
    # One passage, far down the list, names a number near one of the question's
    # many words: too weak a vote to put in bold first.
    hits = [hit(f"Delegates talked about the weather in Geneva, day {n}.", "x", "Outlet X")
            for n in ("one", "two", "three", "four")]
    hits.append(hit("Some 14 delegates said the coffee was cold, as in most nations.", "b",
                    "Outlet B"))
    question = "How many nations backed the ceasefire resolution drafted by Malta on Monday?"
    assert short_answer(question, hits)[1] < SHORT_ANSWER_FLOOR
    assert with_short_answer(_answer(question, hits)).short is None


def _quoting(question: str, hits: list[Hit]) -> Answer:
    """An answer quoting each passage whole, one sentence per passage."""
    sentences = [AnswerSentence(h.text, (n + 1,)) for n, h in enumerate(hits)]
    citations = [Citation(n + 1, h.article_id, h, ((h.start, h.end),))
                 for n, h in enumerate(hits)]
    return Answer(question, cited_text(sentences), citations, hits, sentences=sentences)


def test_a_true_or_false_claim_stated_by_a_source_is_true_and_cites_that_sentence():
    hits = [hit("Crowds gathered in Pennsylvania on Thursday.", "x", "Outlet X"),
            hit("Punxsutawney Phil saw his shadow on Groundhog Day.", "a", "Outlet A",
                start=40)]
    reply = with_short_answer(_quoting(
        "Punxsutawney Phil saw his shadow on Groundhog Day this year. True or false?", hits))
    assert reply.short.text == "True" and reply.short.kind == "verdict"
    assert reply.short.citations == (2,) and reply.short.outlets == ("Outlet A",)
    assert [(s.start, s.end) for s in reply.short.spans] == [(hits[1].start, hits[1].end)]


def test_a_true_or_false_claim_a_source_contradicts_is_false():
    hits = [hit("Astronomers said 62 new moons were discovered around Saturn.", "a",
                "Outlet A")]
    reply = with_short_answer(_quoting(
        "True or false: 12 new moons were discovered around Saturn.", hits))
    assert reply.short.text == "False"


def test_a_true_or_false_claim_no_source_states_gets_no_short_answer():
    hits = [hit("Twitter's new owner said the company would review old bans.", "a",
                "Outlet A")]
    reply = with_short_answer(_quoting(
        "Twitter lifted the suspension on Donald Trump's account this week. True or false?",
        hits))
    assert reply.short is None


def test_the_sentence_holding_most_of_a_claim_decides_its_verdict():
    # A sentence on another planet's moons shares half the claim's words and
    # gives another number; it does not overrule the one stating the claim.
    stating = "Twelve new moons were discovered around Jupiter, astronomers said."
    other = "Astronomers said 62 new moons were discovered around Saturn last year."
    question = "Twelve new moons were discovered around Jupiter. True or false?"
    for texts in ((stating, other), (other, stating)):
        hits = [hit(text, f"a{n}", f"Outlet {n}") for n, text in enumerate(texts)]
        reply = with_short_answer(_quoting(question, hits))
        assert reply.short.text == "True"
        assert reply.short.citations == (texts.index(stating) + 1,)


def test_a_sentence_denying_a_true_or_false_claim_does_not_make_it_true():
    # All of the claim's content words, but "not" ("not" is a stop word).
    question = "Punxsutawney Phil saw his shadow on Groundhog Day this year. True or false?"
    for text in ("Punxsutawney Phil did not see his shadow on Groundhog Day this year.",
                 "Punxsutawney Phil never saw his shadow on Groundhog Day this year.",
                 "Punxsutawney Phil didn’t see his shadow on Groundhog Day this year."):
        reply = with_short_answer(_quoting(question, [hit(text, "a", "Outlet A")]))
        assert reply.short is None or reply.short.text != "True", text
    denied = "Phil did not see his shadow on Groundhog Day. True or false?"
    hits = [hit("Phil did not see his shadow on Groundhog Day, handlers said.", "a", "A")]
    assert with_short_answer(_quoting(denied, hits)).short.text == "True"


def test_a_kind_is_a_whole_word_not_the_ascii_letters_of_one():
    # "crème brûlée" holds an "e" (vitamin E, a food to WordNet), "São Paulo"
    # an "o" (oxygen), "5g" a "g" (gram): pieces of words, never candidates.
    food = candidates("Diners in São Paulo ate which food?",
                      [hit("Diners ate crème brûlée and eggs by 5g phones.", "a", "Outlet A")])
    assert [p.text for p in food] == ["eggs"]
    element = candidates("The water in São Paulo held which element?",
                         [hit("Water in São Paulo held sodium.", "a", "Outlet A")])
    assert [p.text for p in element if p.key.startswith("kind:")] == ["sodium"]


def test_a_phrase_both_a_kind_and_a_word_before_the_noun_votes_once():
    hits = [hit("The storm felled dozens of oak trees in the park on Monday.", "a", "Outlet A")]
    found = candidates("The storm felled which trees in the park?", hits)
    assert [(p.text, p.key) for p in found] == [("oak trees", "kind:oak_tree")]


def test_an_ordinal_answers_how_many_as_its_number():
    hits = [hit("Djokovic won his 22nd Grand Slam title in Melbourne.", "a", "Outlet A")]
    found = candidates("Djokovic's Grand Slam titles now number how many?", hits)
    assert [p.text for p in found] == ["22"]
    assert hits[0].text[found[0].start:found[0].end] == "22"
