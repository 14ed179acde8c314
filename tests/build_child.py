"""A build in a child process that stops at a chosen point, for crash tests.

Usage: python build_child.py ARTICLES INDEX POINT

It prints ``PAUSED <point>`` when it reaches POINT and then waits for a line
on stdin (the parent either kills it there with SIGKILL or lets it go on).
Points are the steps of a build, in order: ``embedding``, ``vectors-written``
(files in the partial directory, no manifest yet), ``before-rename``
(complete and fsynced, not yet renamed), ``before-switch`` (renamed, CURRENT
still old), ``mid-switch`` (new CURRENT written to a temporary file, not yet
renamed over the old one), ``after-switch`` (new version live, old one not
yet removed), or ``none``.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakes import FakeEmbedder  # noqa: E402

import rag.index.store as store  # noqa: E402
from rag.index.builder import Index  # noqa: E402
from rag.settings import Settings  # noqa: E402

articles, index_dir, point = sys.argv[1], sys.argv[2], sys.argv[3]


def pause():
    print(f"PAUSED {point}", flush=True)
    sys.stdin.readline()


def pausing(original, when="before", match=None):
    def wrapper(*args, **kwargs):
        hit = match is None or any(match in str(a) for a in args)
        if hit and when == "before":
            pause()
        result = original(*args, **kwargs)
        if hit and when == "after":
            pause()
        return result
    return wrapper


if point == "embedding":
    FakeEmbedder.encode = pausing(FakeEmbedder.encode)
elif point == "vectors-written":
    import faiss
    faiss.write_index = pausing(faiss.write_index, "after")
elif point == "before-rename":
    os.rename = pausing(os.rename, match=".partial-")
elif point == "before-switch":
    store._atomic_write = pausing(store._atomic_write)
elif point == "mid-switch":
    os.replace = pausing(os.replace, match="CURRENT")
elif point == "after-switch":
    store._remove_old_versions = pausing(store._remove_old_versions)

settings = Settings.from_env().replace(articles_dir=articles, index_dir=index_dir)
summary = Index(settings, FakeEmbedder()).build(progress=False)
print(f"DONE added={summary.added}", flush=True)
