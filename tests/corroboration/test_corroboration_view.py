"""Rendering corroboration for the chat: escaping, counts, columns."""

from rag.app.render import chat_message, comparison, sources_panel
from rag.corroboration.corroborator import SourceColumn
from rag.types import (
    Answer,
    AnswerSentence,
    Citation,
    Disagreement,
    DisagreementSide,
    Hit,
)


def _hit(article_id, text, source=None, title=None):
    return Hit(text=text, score=0.9, article_id=article_id, title=title, source=source,
               date="2024-03-25", url=None, start=0, end=len(text), citation=title or article_id)


OWN = _hit("a", "The US withheld its veto.", title="Story <A>")
OTHER = _hit("b", "Washington did not use its veto.", source="Outlet & Co")


def _reply():
    own, other = Citation(1, "a", OWN, ((0, 25),)), Citation(2, "b", OTHER, ((0, 32),))
    sentence = AnswerSentence(OWN.text, (1,), supporting=(other,),
                              outlets=("Story <A>", "Outlet & Co"))
    dis = Disagreement("number", "nations", (DisagreementSide("Story <A>", "14 nations", own),
                                             DisagreementSide("Outlet & Co", "12 nations", other)))
    return Answer("Who?", OWN.text + " [1]", [own], [OWN, OTHER], sentences=[sentence],
                  corroborations=[other], disagreements=[dis])


def test_chat_message_names_the_outlets_escaped_with_their_markers():
    text = chat_message(_reply())
    assert r"reported by 2 sources\: Story \<A\>, Outlet \& Co \[2\]" in text
    assert r"Sources disagree \(number, nations\)\: Story \<A\>\: 14 nations \[1\]" in text
    assert "<A>" not in text and "**Other sources**\n\n2\\. b" in text


def test_single_source_sentences_say_nothing_extra():
    sentence = AnswerSentence(OWN.text, (1,), outlets=("Story <A>",))
    reply = Answer("Who?", OWN.text, [Citation(1, "a", OWN)], [OWN], sentences=[sentence])
    text = chat_message(reply)
    assert "reported by" not in text and "Corroboration" not in text
    assert "Other sources" not in text


def test_sources_panel_shows_corroborating_passages_too():
    html = sources_panel(_reply())
    assert "[2]" in html and "Washington did not use its veto." in html
    assert 'data-cite="2"' in html


def test_comparison_has_one_escaped_column_per_article_with_the_quote_marked():
    html = comparison([SourceColumn("Story <A>", OWN, (4, 6), 0.8),
                       SourceColumn("Outlet & Co", OTHER, (0, 10), 0.7)])
    assert html.count('class="column"') == 2
    assert "Story &lt;A&gt;" in html and "<mark>Washington</mark>" in html
    assert "The <mark>US</mark> withheld" in html


def test_comparison_without_articles_says_so():
    assert "No article" in comparison([])
