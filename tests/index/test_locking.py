"""The index's write lock: where it can and cannot be taken."""

import pytest

from rag.app.cli import main
from rag.index.locking import write_lock
from rag.index.store import IndexError_


def test_a_file_given_as_the_index_directory_is_a_clear_error(tmp_path):
    not_a_dir = tmp_path / "CURRENT"
    not_a_dir.write_text("v-1\n")
    with pytest.raises(IndexError_, match=r"cannot keep an index in .*CURRENT: it is a file; "
                                          r"give --index \(RAG_INDEX\) a directory"):
        with write_lock(not_a_dir):
            pass
    assert not_a_dir.read_text() == "v-1\n"


def test_rag_build_into_a_file_is_one_line_not_a_traceback(tmp_path, write_articles, capsys):
    not_a_dir = tmp_path / "notes.txt"
    not_a_dir.write_text("keep me")
    articles = write_articles({"story.txt": "Story\n\nA short story about a river."})
    assert main(["build", "--quiet", "--index", str(not_a_dir), "--articles",
                 str(articles)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rag: cannot keep an index in") and "Traceback" not in err
    assert not_a_dir.read_text() == "keep me"
