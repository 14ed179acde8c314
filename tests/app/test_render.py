"""What the chat page shows: escaped, cited, highlighted."""

import re
from dataclasses import replace

from rag.app.render import article_view, chat_message, escape_markdown, sources_panel
from rag.types import (
    Answer,
    AnswerSentence,
    Citation,
    Hit,
    ShortAnswer,
    ShortAnswerSpan,
)

PAYLOAD = "<img src=x onerror=alert(1)> [x](javascript:alert(2)) <script>alert(3)</script>"


def _hit(text="Before. The wall was approved. After.", **meta):
    fields = dict(score=0.9, article_id="a1", title="Wall vote", source="Gazette",
                  date="2024-05-02", url="https://example.org/wall", start=100,
                  end=100 + len(text), citation="Wall vote — Gazette, 2024-05-02")
    fields.update(meta)
    return Hit(text=text, **fields)


def _answer(hit, quote=(108, 130)):
    sentence = AnswerSentence(hit.text[quote[0] - 100:quote[1] - 100], (1,))
    return Answer("q", f"{sentence.text} [1]", [Citation(1, hit.article_id, hit, (quote,))],
                  [hit], sentences=[sentence])


def test_markdown_escaping_leaves_no_tag_or_link_syntax():
    escaped = escape_markdown(PAYLOAD)
    assert not re.search(r"(?<!\\)[<>\[\]()]", escaped)


def test_answer_message_escapes_article_text_and_keeps_citation_markers():
    hit = _hit(text="Before. " + PAYLOAD + " After.")
    reply = _answer(hit, (108, 108 + len(PAYLOAD)))
    message = chat_message(reply)
    assert "\\[1\\]" in message and "\\<img" in message and "<img" not in message.replace(
        "\\<img", "")


def test_short_answer_comes_first_in_bold_with_its_citations_escaped():
    reply = _answer(_hit())
    short = ShortAnswer("*14*", "number", (ShortAnswerSpan(1, "a1", 112, 116),))
    message = chat_message(replace(reply, short=short))
    assert message.startswith("**\\*14\\*** \\[1\\]\n\nThe wall was approved")


def test_unsupported_sentences_are_flagged_in_the_message():
    hit = _hit()
    reply = _answer(hit)
    reply.sentences[0] = AnswerSentence(reply.sentences[0].text, (1,), supported=False)
    assert "unsupported" in chat_message(reply)


def test_sources_panel_escapes_everything_and_highlights_the_quote():
    hit = _hit(title="<script>alert(1)</script>", source="<b>Gazette</b>",
               url="javascript:alert(1)")
    panel = sources_panel(_answer(hit))
    assert "<script>" not in panel and "<b>" not in panel and "javascript:" not in panel
    assert "&lt;script&gt;" in panel and "<mark>The wall was approved.</mark>" in panel
    assert 'data-cite="1"' in panel


def test_http_urls_become_links_that_open_a_new_tab():
    panel = sources_panel(_answer(_hit()))
    assert '<a href="https://example.org/wall" target="_blank"' in panel


def test_abstained_answer_shows_the_closest_passages_without_open_buttons():
    hit = _hit()
    panel = sources_panel(Answer("q", "No.", [], [hit], abstained=True))
    assert "closest" in panel and "data-cite" not in panel


def test_article_view_outlines_the_cited_passage_in_the_whole_text():
    class Article:
        id, title, source, date, url = "a1", "Wall <vote>", None, None, None
        text = "Intro & more. The wall was approved. The end."

    view = article_view(Article, 2, 14, 37, [(14, 36)])
    assert '<span class="target"><mark>The wall was approved.</mark> </span>' in view
    assert "Intro &amp; more." in view and "Wall &lt;vote&gt;" in view


def test_sources_panel_puts_the_short_answer_in_bold_inside_the_highlighted_quote():
    hit = _hit(text="Before. The wall was approved by 14 votes. After <b>14</b>.")
    reply = replace(_answer(hit, (108, 142)), short=ShortAnswer(
        "14", "number", (ShortAnswerSpan(1, "a1", 133, 135), ShortAnswerSpan(1, "a1", 152, 154))))
    panel = sources_panel(reply)
    assert ('<mark>The wall was approved by <strong class="short-answer">14</strong> votes.'
            '</mark>') in panel
    # Outside the quote too, and article text around it stays escaped.
    assert 'After &lt;b&gt;<strong class="short-answer">14</strong>&lt;/b&gt;.' in panel


def test_sources_panel_without_a_short_answer_marks_only_the_quotes():
    panel = sources_panel(_answer(_hit()))
    assert "short-answer" not in panel and "<mark>The wall was approved.</mark>" in panel


def test_article_view_puts_the_short_answer_in_bold_where_it_occurs():
    class Article:
        id, title, source, date, url = "a1", "Wall vote", None, None, None
        text = "Intro. The wall was approved by 14 votes. The end."

    view = article_view(Article, 1, 7, 41, [(7, 41)], [(32, 34)])
    assert ('<mark>The wall was approved by <strong class="short-answer">14</strong> votes.'
            '</mark>') in view


def test_an_unanswered_question_still_says_how_it_was_read():
    note = "The question was 9000 characters long; only the first 990 were used."
    message = chat_message(Answer("q", "The articles do not answer this question.", [],
                                  [_hit()], abstained=True, notes=[note]))
    assert f"*{escape_markdown(note)}*" in message
    assert message.index("do not answer") < message.index("characters long") \
        < message.index("Closest passages")
