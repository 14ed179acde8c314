from conftest import SEEDS

from rag.ingest.articles import clean_text, load_article, load_articles

DW = SEEDS / "000_e223778168a361c0.txt"
INDEPENDENT = SEEDS / "004_30dc108169a15181.txt"


def test_headline_on_first_line_becomes_title_and_leaves_body():
    article = load_article(DW)
    assert article.title == "US rejects Netanyahu's claim that UN ceasefire vote hurt negotiations"
    assert article.text.startswith("The US government has rejected a claim")
    assert article.id == "000_e223778168a361c0"


def test_date_marker_and_newsletter_boilerplate_are_stripped_from_real_seed():
    article = load_article(INDEPENDENT)
    assert article.date == "2024-03-25"
    assert article.text.startswith("The United Nations Security Council passed a resolution")
    for junk in ("Sign up", "email", "privacy notice", "Thanks for signing up", "date 2024"):
        assert junk not in article.text
    # The story itself is intact, to the last sentence.
    assert article.text.rstrip().endswith("did not make it a legally binding demand.")


def test_sidecar_metadata_overrides_detected_fields():
    article = load_article(INDEPENDENT)
    assert article.source == "The Independent"  # from seeds/004_....json
    assert article.title is None  # the raw file has no headline; nothing is invented


def test_sidecar_can_set_title_url_and_date(write_articles):
    folder = write_articles({"a.txt": "date 2020-01-02 Body text here. More text.",
                             "a.json": '{"title": "T", "url": "https://x.test/a", "date": "2021-05-05"}'})
    article = load_article(folder / "a.txt")
    assert (article.title, article.url, article.date) == ("T", "https://x.test/a", "2021-05-05")


def test_markdown_heading_is_title():
    body, title, date = clean_text("# Big news today\n\nSomething happened. Then more.")
    assert title == "Big news today" and body == "Something happened. Then more." and date is None


def test_a_single_paragraph_is_never_taken_as_title():
    body, title, _ = clean_text("Short one-liner with no period")
    assert title is None and body == "Short one-liner with no period"


def test_boilerplate_phrase_inside_reporting_is_kept():
    story = "Headline here\n\nThe company told users to sign up for email alerts, officials said."
    body, _, _ = clean_text(story)
    assert "sign up for email alerts" in body


def test_load_articles_reads_txt_and_md_in_stable_order_and_skips_empty(write_articles):
    folder = write_articles({"b.md": "# B\n\nBee text.", "a.txt": "Alpha\n\nAlpha text.",
                             "empty.txt": "   \n", "notes.csv": "x,y"})
    assert [a.id for a in load_articles(folder)] == ["a", "b"]


def test_content_hash_changes_with_text_or_metadata(write_articles):
    folder = write_articles({"a.txt": "Alpha\n\nAlpha text."})
    first = load_article(folder / "a.txt").content_hash
    (folder / "a.json").write_text('{"source": "Wire"}')
    assert load_article(folder / "a.txt").content_hash != first


def test_jsonl_collection_gives_one_article_per_line_with_metadata(write_articles):
    folder = write_articles({"news.jsonl":
        '{"id": "n1", "title": "One", "source": "Wire", "date": "2023-01-06", '
        '"url": "https://x.test/1", "text": "First story. It is short."}\n'
        '\n{"title": "Two", "text": "Second story."}\n'})
    first, second = load_articles(folder)
    assert (first.id, first.title, first.source, first.date, first.url) == \
        ("n1", "One", "Wire", "2023-01-06", "https://x.test/1")
    assert first.text == "First story. It is short."
    assert second.id == "news-3" and second.title == "Two"


def test_a_jsonl_file_without_any_text_field_is_one_skip_not_one_per_line(write_articles):
    from rag.ingest.articles import scan_directory

    folder = write_articles({
        "news.jsonl": '{"id": "n1", "text": "First story."}\n{"id": "n2", "text": ""}\n',
        "questions.jsonl": "".join(f'{{"question": "Q{n}?", "answers": ["A"]}}\n'
                                   for n in range(50))})
    found = scan_directory(folder)
    assert [a.id for a in found.articles] == ["n1"]
    assert sorted(str(s).replace(str(folder), "") for s in found.skipped) == [
        "/news.jsonl:2: record has no text",
        "/questions.jsonl: not an article collection (none of its 50 records has a 'text' field)"]
