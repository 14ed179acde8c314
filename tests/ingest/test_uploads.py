"""Browser uploads are checked and stored only inside the articles directory."""

import pytest

from rag.ingest.uploads import UploadRejected, sanitise_filename, store_upload


@pytest.mark.parametrize("raw, safe", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\windows\\evil.md", "evil.md"),
    ("/abs/path/story.TXT", "story.txt"),
    ("..", "upload"),
    (".hidden.txt", "hidden.txt"),
    ("Über Straße №5.md", "Uber_Strae_No5.md"),
    ("a<script>.txt", "a_script_.txt"),
])
def test_sanitised_names_keep_no_directories_or_odd_characters(raw, safe):
    assert sanitise_filename(raw) == safe


def _upload(tmp_path, name, data: bytes):
    src = tmp_path / "incoming" / "blob"
    src.parent.mkdir(exist_ok=True)
    src.write_bytes(data)
    return src


def test_accepted_upload_is_stored_under_the_articles_uploads_folder(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    src = _upload(tmp_path, "x", b"Harbour news\n\nThe wall was approved.")
    stored = store_upload(src, "../../../outside.txt", articles, max_bytes=1000)
    assert stored.path == (articles / "uploads" / "outside.txt").resolve()
    assert stored.path.read_bytes() == src.read_bytes()
    assert not (tmp_path / "outside.txt").exists()


def test_second_upload_with_a_taken_name_does_not_overwrite(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "story.txt").write_text("An older story.\n\nWith text.")
    src = _upload(tmp_path, "x", b"A new story.")
    first = store_upload(src, "story.txt", articles, max_bytes=1000)
    second = store_upload(src, "story.txt", articles, max_bytes=1000)
    assert (first.path.name, second.path.name) == ("story-2.txt", "story-3.txt")
    assert (articles / "story.txt").read_text().startswith("An older story")


@pytest.mark.parametrize("name, data, reason", [
    ("run.exe", b"MZ text", "only"),
    ("photo.png.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("empty.txt", b"  \n", "empty"),
    ("big.txt", b"x" * 2001, "limit"),
    ("bad.jsonl", b'{"text": "ok"}\nnot json\n', "line 2"),
    ("notext.jsonl", b'{"title": "no body"}\n', "text"),
])
def test_bad_uploads_are_rejected_with_the_reason(tmp_path, name, data, reason):
    articles = tmp_path / "articles"
    articles.mkdir()
    with pytest.raises(UploadRejected, match=reason):
        store_upload(_upload(tmp_path, name, data), name, articles, max_bytes=2000)
    assert not (articles / "uploads").exists() or not any((articles / "uploads").iterdir())
