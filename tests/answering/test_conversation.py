"""History shapes and history-aware search queries."""

from rag.answering.conversation import Turn, contextual_query, normalize_history


def test_history_accepts_pairs_strings_turns_and_chat_messages():
    messages = [{"role": "user", "content": "Who vetoed?"},
                {"role": "assistant", "content": "The US. [1]"},
                {"role": "user", "content": "Why?"}]
    assert normalize_history(messages) == [Turn("Who vetoed?", "The US. [1]"), Turn("Why?")]
    assert normalize_history([("Q1", "A1"), "Q2", Turn("Q3")]) == \
        [Turn("Q1", "A1"), Turn("Q2"), Turn("Q3")]
    assert normalize_history(None) == []


def test_standalone_question_is_searched_as_asked():
    history = [("Who decided not to use its veto?", "The US. [1]")]
    question = "How many members backed the ceasefire resolution in the Security Council?"
    assert contextual_query(question, history) == question


def test_follow_up_is_searched_with_previous_question_and_answer():
    history = [("Who decided not to use its veto?", "The US, Israel's ally, abstained. [1] More.")]
    query = contextual_query("Why did they do it?", history)
    assert query.startswith("Why did they do it?")
    assert "veto" in query and "Israel's ally" in query and "[1]" not in query and "More" not in query


def test_follow_up_takes_the_whole_first_sentence_past_abbreviations():
    history = [("Who abstained?", "The U.S. envoy Linda Thomas-Greenfield abstained. [1] More.")]
    query = contextual_query("Why did she do it?", history)
    assert "The U.S. envoy Linda Thomas-Greenfield abstained." in query and "More" not in query


def test_abstention_adds_nothing_to_the_follow_up_query():
    history = [("Who won?", "The articles do not answer this question.")]
    assert "do not answer" not in contextual_query("And then?", history)


def test_chat_messages_are_read_back_without_markdown_escapes():
    messages = [{"role": "user", "content": "Who is John Kirby\\?"},
                {"role": "assistant", "content": "He is a spokesman\\. \\[1\\]\n\n**Sources**"}]
    assert normalize_history(messages) == [Turn("Who is John Kirby?",
                                                "He is a spokesman. [1]\n\n**Sources**")]
    query = contextual_query("What did he say?", messages)
    assert "John Kirby?" in query and "He is a spokesman." in query and "Sources" not in query
