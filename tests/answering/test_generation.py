"""The local-model answer path with a scripted model: prompt, streaming,
citation checking, abstention, follow-up rewriting and the extractive fallback."""

import pytest
from fakes import FakeModel

from rag.answering.extractive import NO_ANSWER
from rag.answering.generation import LocalAnswerer
from rag.answering.support import UNSUPPORTED
from rag.engine import Engine
from rag.models.llm import ModelUnavailable
from rag.settings import Settings
from rag.types import Answer

VETO = "Veto story\n\nThe US decided not to use its veto power. Diplomats met in New York on Monday."
STORM = "Storm story\n\nA storm hit the coast. Thousands lost power overnight."
QUESTION = "Who decided not to use its veto power?"


@pytest.fixture
def make(build_engine):
    engine = build_engine({"veto.txt": VETO, "storm.txt": STORM}, abstain_below=0.3)

    def with_model(model: FakeModel, **settings) -> Engine:
        if settings:
            engine.settings = engine.settings.replace(**settings)
        engine._local = LocalAnswerer(engine.settings, engine.answerer, model=model)
        return engine
    return with_model


def test_local_answer_streams_text_then_a_checked_answer(make):
    model = FakeModel("The US decided not to use its veto power [1].")
    parts = list(make(model).answer_stream(QUESTION, mode="local"))
    assert all(isinstance(p, str) for p in parts[:-1]) and len(parts) > 2
    assert parts[-2] == "The US decided not to use its veto power [1]."
    reply = parts[-1]
    assert isinstance(reply, Answer) and reply.mode == "local" and not reply.abstained
    assert reply.text == "The US decided not to use its veto power. [1]"
    assert reply.citations[0].hit is reply.hits[0] and reply.citations[0].article_id == "veto"


def test_local_answer_numbers_its_citations_1_to_n_in_order_of_first_mention(make):
    engine = make(FakeModel("A storm hit the coast [2]. The US decided not to use its veto "
                            "power [1]."))
    reply = engine.answer("Who decided not to use its veto power, and what hit the coast?",
                          mode="local")
    assert reply.hits[0].article_id == "veto" and reply.hits[1].article_id == "storm"
    assert reply.text == "A storm hit the coast. [1] The US decided not to use its veto power. [2]"
    assert [(c.number, c.article_id) for c in reply.citations] == [(1, "storm"), (2, "veto")]
    assert "Sources:\n[1] Storm story: " in reply.to_text()


def test_prompt_numbers_the_passages_and_holds_the_question(make):
    model = FakeModel("The US decided [1].")
    reply = make(model).answer(QUESTION, mode="local")
    prompt = model.prompts[-1]
    assert f"Question: {QUESTION}" in prompt
    for n, hit in enumerate(reply.hits, 1):
        block = prompt[prompt.rindex(f'<passage number="{n}"'):]
        assert block.index(hit.text) < block.index("</passage>")


def test_citations_to_no_passage_are_removed_from_a_generated_answer(make):
    reply = make(FakeModel("The US decided not to use its veto power [1][12].")).answer(
        QUESTION, mode="local")
    assert "[12]" not in reply.text and "[1]" in reply.text
    assert "The model cited a passage it was not given (its number 12); removed." in reply.notes


def test_unsupported_generated_sentence_is_marked(make):
    reply = make(FakeModel("The US decided not to use its veto power [1]. "
                           "Aliens landed in Paris yesterday [2].")).answer(QUESTION, mode="local")
    assert [s.supported for s in reply.sentences] == [True, False]
    assert UNSUPPORTED in reply.text and reply.mode == "local"


def test_unanswerable_question_abstains_without_asking_the_model(make):
    model = FakeModel("Zebras [1].")
    reply = make(model).answer("zebra quantum pancake", mode="local")
    assert reply.abstained and reply.text == NO_ANSWER and model.prompts == []


def test_model_saying_no_answer_abstains(make):
    reply = make(FakeModel(NO_ANSWER)).answer(QUESTION, mode="local")
    assert reply.abstained and reply.mode == "local" and reply.citations == []


@pytest.mark.parametrize("model, reason", [
    (FakeModel(error=ModelUnavailable("llama-cpp-python is not installed")), "not installed"),
    (FakeModel(""), "wrote nothing"),
    (FakeModel("Aliens landed in Paris [1]."), "not supported"),
])
def test_failed_generation_falls_back_to_the_extractive_answer_and_says_so(make, model, reason):
    engine = make(model)
    reply = engine.answer(QUESTION, mode="local")
    assert reply.mode == "extractive" and not reply.abstained
    assert reply.text == engine.answer(QUESTION).text
    assert reason in reply.notes[-1] and "extractive answer" in reply.notes[-1]


def test_generation_past_the_time_limit_falls_back(make):
    engine = make(FakeModel("The US decided not to use its veto power [1]."),
                  llm_timeout_seconds=0.0)
    reply = engine.answer(QUESTION, mode="local")
    assert reply.mode == "extractive" and "no answer within" in reply.notes[-1]


def test_follow_up_is_rewritten_by_the_model_for_retrieval(make):
    model = FakeModel("A storm hit the coast [1].", rewrite="What did the storm hit on the coast?")
    engine = make(model)
    reply = engine.answer("And what happened after that?", mode="local",
                          history=[("Tell me about the storm", "A storm hit the coast. [1]")])
    assert "Rewritten question:" in model.prompts[0] and "Q: Tell me about the storm" in \
        model.prompts[0]
    assert reply.mode == "local", reply
    assert reply.citations[0].article_id == "storm"


def test_missing_model_file_is_reported_as_unavailable(tmp_path):
    from rag.models.llm import LocalModel

    model = LocalModel(Settings().replace(llm_model_path=tmp_path / "none.gguf"))
    with pytest.raises(ModelUnavailable, match="not found"):
        model.warm_up()


# ------------------------------------------------- short answers in local mode
SHORT_REPLY = "The US\nSentence: The US decided not to use its veto power [1]."


@pytest.mark.parametrize("text, expected", [
    (" 14\nSentence: The resolution was backed by 14 nations. [1]",
     ("14", "The resolution was backed by 14 nations. [1]")),
    ("“John Kirby” [2].\nsentence: Kirby spoke. [2]", ("John Kirby", "Kirby spoke. [2]")),
    ("The US. [3]", ("", "The US. [3]")),          # one line: a sentence only
    ("Israel's biggest ally is the United States of America today.\nSentence: The US. [1]",
     ("", "Israel's biggest ally is the United States of America today. The US. [1]")),
])
def test_model_text_splits_into_short_answer_and_sentence(text, expected):
    from rag.answering.generation import split_short_answer

    assert split_short_answer(text) == expected


def test_local_short_answer_is_the_models_when_a_cited_passage_states_it(make):
    model = FakeModel(SHORT_REPLY)
    engine = make(model, short_answer=True)
    parts = list(engine.answer_stream(QUESTION, mode="local"))
    reply = parts[-1]
    assert "Short answer:" in model.prompts[-1] and model.prompts[-1].endswith("Short answer:")
    assert parts[-2] == "The US\n\nThe US decided not to use its veto power [1]."  # no label
    assert reply.mode == "local" and reply.text == "The US decided not to use its veto power. [1]"
    assert reply.short is not None and reply.short.text == "The US" and reply.short.markers == "[1]"
    for span in reply.short.spans:
        assert engine.article(span.article_id).text[span.start:span.end] == "The US"
    assert not any("short answer" in n for n in reply.notes)


def test_local_short_answer_also_cites_the_other_articles_that_state_it(build_engine):
    engine = build_engine({"veto.txt": VETO, "storm.txt": STORM, "report.txt": (
        "Veto report\n\nThe veto vote came late at night. Diplomats saw the US stay silent.")},
        abstain_below=0.3, short_answer=True, corroborate=False)
    engine._local = LocalAnswerer(engine.settings, engine.answerer, model=FakeModel(
        "The US\nSentence: The US decided not to use its veto power [1]."))
    reply = engine.answer(QUESTION, mode="local")
    assert reply.mode == "local" and reply.short is not None
    assert {c.article_id for c in reply.citations} == {"veto", "report"}
    assert {span.article_id for span in reply.short.spans} == {"veto", "report"}
    for span in reply.short.spans:
        assert engine.article(span.article_id).text[span.start:span.end].lower() == "the us"


def test_local_short_answer_in_no_cited_passage_is_replaced_by_the_extractive_one(make):
    engine = make(FakeModel("France\nSentence: The US decided not to use its veto power [1]."),
                  short_answer=True)
    reply = engine.answer(QUESTION, mode="local")
    extractive = engine.answer(QUESTION)
    assert reply.mode == "local" and extractive.short is not None
    assert reply.short == extractive.short
    assert "'France'" in reply.notes[-1] and "occurs in no cited passage" in reply.notes[-1]
    assert "extractive short answer" in reply.notes[-1]


def test_local_short_answer_repeating_the_question_is_replaced(make):
    engine = make(FakeModel("veto power\nSentence: The US decided not to use its veto power [1]."),
                  short_answer=True)
    reply = engine.answer(QUESTION, mode="local")
    assert reply.short is None or reply.short.text != "veto power"
    assert "only repeats the question" in reply.notes[-1]


def test_local_answer_without_short_answers_keeps_the_plain_prompt(make):
    model = FakeModel("The US decided not to use its veto power [1].")
    reply = make(model).answer(QUESTION, mode="local")
    assert "Short answer:" not in model.prompts[-1] and reply.short is None


def test_local_answer_that_fails_the_check_falls_back_with_the_extractive_short_answer(make):
    engine = make(FakeModel("Storm\nSentence: Aliens landed in Paris [1]."), short_answer=True)
    reply = engine.answer(QUESTION, mode="local")
    extractive = engine.answer(QUESTION)
    assert reply.mode == "extractive" and "not supported" in reply.notes[-1]
    assert extractive.short is not None and reply.short == extractive.short
    assert reply.text == extractive.text
