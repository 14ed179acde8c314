"""Real, messy input files: every one is either indexed or skipped with a
reason that names it, and no bad file stops a build."""

import os

import pytest

from rag.engine import Engine
from rag.index.store import StoredIndex
from rag.ingest.articles import read_files, scan_directory
from rag.settings import Settings

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
       b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour bridge reopens after repairs | Coastal Gazette</title>
<meta property="article:published_time" content="2024-05-02">
</head><body>
<header><nav><ul>
  <li><a href="/">Home</a></li><li><a href="/news">News</a></li>
  <li><a href="/sport">Sport</a></li><li><a href="/subscribe">Subscribe to our newsletter</a></li>
</ul></nav></header>
<div class="cookie-banner">We use cookies to personalise content and ads. Accept all cookies.</div>
<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/a">Celebrity chef opens bakery</a></li>
<li><a href="/b">Ten tips for summer gardens</a></li></ul></aside>
<main><article>
<h1>Harbour bridge reopens after repairs</h1>
<p>The harbour bridge reopened to traffic on Thursday after eight months of repairs to its
corroded steel cables, the city council said.</p>
<p>Engineers replaced more than two hundred cable anchors and resurfaced the deck, at a cost
of 41 million euros, well above the original estimate.</p>
<p>Commuters had faced detours of up to forty minutes while the crossing was closed, and local
shops reported falling sales during the works.</p>
</article></main>
<footer><p>Copyright 2024 Coastal Gazette. All rights reserved.</p>
<p><a href="/privacy">Privacy policy</a> | <a href="/terms">Terms of use</a></p></footer>
</body></html>
"""

GOOD = "Good story\n\nThe council approved the new budget on Monday. Taxes will not rise."


@pytest.fixture
def messy(tmp_path):
    """An articles folder with one file of every troublesome kind."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "latin1.txt").write_bytes(
        "Café story\n\nThe café on the Champs-Élysées reopened. Crème brûlée was served "
        "to the mayor.".encode("latin-1"))
    (folder / "picture.txt").write_bytes(PNG)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "bridge.html").write_text(HTML, encoding="utf-8")
    (folder / "repeat.md").write_text(GOOD, encoding="utf-8")
    line = b"2024-05-02 12:00:01 INFO request served in 12 ms from the cache\n"
    with open(folder / "huge.txt", "wb") as big:  # 50 MB of text: a log dump, not an article
        big.write(line * (50_000_000 // len(line) + 1))
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    (folder / "wire.jsonl").write_text(
        '{"id": "w1", "title": "Wire one", "text": "Port workers went on strike over pay."}\n'
        "{this line is not json\n"
        '{"id": "w2", "title": "No text here"}\n'
        '{"id": "w3", "title": "Wire three", "text": "Flooding closed the northern railway."}\n',
        encoding="utf-8")
    return folder


def skip_reason(found, name):
    reasons = [s.reason for s in found.skipped if os.path.basename(s.path).startswith(name)]
    assert reasons, f"{name} was not reported as skipped: {found.skipped}"
    return reasons[0]


def test_latin1_text_is_decoded_and_reported(messy):
    found = scan_directory(messy)
    article = next(a for a in found.articles if a.id == "latin1")
    assert "café on the Champs-Élysées" in article.text and "Crème brûlée" in article.text
    assert any("latin1.txt" in n and "not valid UTF-8" in n for n in found.notes)


def test_png_renamed_txt_is_skipped_as_binary(messy):
    assert "binary" in skip_reason(scan_directory(messy), "picture.txt")


def test_empty_file_is_skipped(messy):
    assert skip_reason(scan_directory(messy), "empty.txt") == "empty file"


def test_oversized_file_is_skipped_naming_the_limit_setting(messy):
    reason = skip_reason(scan_directory(messy), "huge.txt")
    assert "too large" in reason and "50.0 MB" in reason and "max_file_mb" in reason


def test_size_limit_is_a_setting(tmp_path):
    (tmp_path / "long.txt").write_text("Long story\n\n" + "Words of a long report. " * 50_000)
    assert scan_directory(tmp_path, max_bytes=1_000_000).skipped[0].path.endswith("long.txt")
    assert [a.id for a in scan_directory(tmp_path, max_bytes=2_000_000).articles] == ["long"]


def test_html_page_keeps_the_story_and_drops_navigation_and_boilerplate(messy):
    article = next(a for a in scan_directory(messy).articles if a.id == "bridge")
    assert article.title == "Harbour bridge reopens after repairs"
    assert article.date == "2024-05-02"
    assert "corroded steel cables" in article.text and "falling sales" in article.text
    for furniture in ("Home", "Subscribe", "cookies", "Most read", "Celebrity chef",
                      "All rights reserved", "Privacy policy"):
        assert furniture not in article.text


def test_exact_duplicate_is_indexed_once(messy):
    found = scan_directory(messy)
    assert "good" in {a.id for a in found.articles}
    assert "repeat" not in {a.id for a in found.articles}
    assert "duplicate of article 'good'" in skip_reason(found, "repeat.md")


def test_jsonl_bad_lines_are_skipped_by_line_and_good_lines_kept(messy):
    found = scan_directory(messy)
    ids = {a.id for a in found.articles}
    assert {"w1", "w3"} <= ids and "w2" not in ids
    reasons = {s.path.rsplit(":", 1)[-1]: s.reason for s in found.skipped if "wire.jsonl" in s.path}
    assert "not a JSON object" in reasons["2"] and reasons["3"] == "record has no text"


def test_unsupported_file_type_is_listed(messy):
    assert "unsupported file type '.pdf'" in skip_reason(scan_directory(messy), "notes.pdf")


def test_unreadable_file_does_not_stop_the_others(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(GOOD)
    found = read_files([tmp_path / "missing.txt", good])
    assert [a.id for a in found.articles] == ["good"]
    assert found.skipped[0].reason == "no such file"


def test_same_file_name_in_two_folders_gets_two_ids(tmp_path):
    for sub, text in (("a", GOOD), ("b", "Other story\n\nSomething else happened today.")):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "story.txt").write_text(text)
    assert sorted(a.id for a in scan_directory(tmp_path).articles) == ["b/story", "story"]


def test_build_over_messy_folder_indexes_the_good_files_and_lists_every_skip(
        messy, tmp_path, fake_embedder, caplog):
    engine = Engine(Settings().replace(articles_dir=messy, index_dir=tmp_path / "idx"),
                    fake_embedder)
    with caplog.at_level("WARNING", logger="rag"):
        summary = engine.build(progress=False)
    index = StoredIndex.load(engine.settings.index_dir)
    assert set(index.articles) == {"good", "latin1", "bridge", "w1", "w3"}
    text = str(summary)
    for name in ("picture.txt", "empty.txt", "huge.txt", "repeat.md", "notes.pdf",
                 "wire.jsonl:2", "wire.jsonl:3"):
        assert name in text  # in the summary ...
        assert name in caplog.text  # ... and warned about as it happened
    assert "latin1.txt" in text and "not valid UTF-8" in text
    assert engine.retrieve("harbour bridge cables repairs")[0].article_id == "bridge"


def test_a_small_file_over_a_small_limit_says_its_size_not_zero():
    from rag.ingest.reading import check_size

    assert check_size(5_120, 3_000).startswith("too large (0.0051 MB; the limit is 0.003 MB")


def test_jsonl_record_whose_text_is_not_a_string_is_skipped_not_indexed(tmp_path):
    wire = tmp_path / "wire.jsonl"
    wire.write_text('{"id": "n", "text": 5}\n{"id": "l", "text": ["a", "b"]}\n[1, 2]\n'
                    '{"id": "ok", "text": "Flooding closed the northern railway."}\n')
    found = read_files([wire])
    assert [a.id for a in found.articles] == ["ok"]
    reasons = {s.path.rsplit(":", 1)[-1]: s.reason for s in found.skipped}
    assert reasons == {"1": "'text' is a number, not a string",
                       "2": "'text' is a list, not a string",
                       "3": "not a JSON object (a list)"}


@pytest.mark.parametrize("sidecar", ["[1, 2]", "{broken", '"just a string"'])
def test_broken_metadata_sidecar_costs_its_metadata_not_the_article(tmp_path, sidecar):
    (tmp_path / "story.txt").write_text(GOOD)
    (tmp_path / "story.json").write_text(sidecar)
    found = scan_directory(tmp_path)
    assert [a.id for a in found.articles] == ["story"] and not found.skipped
    assert len(found.notes) == 1 and "story.json: metadata ignored" in found.notes[0]


def test_a_directory_given_as_a_file_is_skipped_with_what_to_do(tmp_path):
    folder = tmp_path / "more.jsonl"
    folder.mkdir()
    found = read_files([folder, tmp_path / "gone.jsonl"])
    assert found.skipped[0].reason.startswith("a directory, not a file: name its files, or "
                                              "index it with `rag build --articles ")
    assert found.skipped[1].reason == "no such file"


def test_a_broken_link_in_the_articles_folder_is_listed_not_dropped_silently(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD)
    (tmp_path / "gone.txt").symlink_to(tmp_path / "elsewhere" / "gone.txt")
    found = scan_directory(tmp_path)
    assert [a.id for a in found.articles] == ["good"]
    assert skip_reason(found, "gone.txt") == \
        f"broken link (its target {tmp_path / 'elsewhere' / 'gone.txt'} is gone)"


def test_a_file_of_another_type_given_by_name_is_skipped_as_in_a_folder(tmp_path):
    note = tmp_path / "note.csv"
    note.write_text("This is a plain text note about the harbour vote.")
    found = read_files([note])
    assert found.articles == []
    assert found.skipped[0].reason == \
        "unsupported file type '.csv' (read: .txt, .md, .html, .htm, .jsonl)"
