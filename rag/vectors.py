"""The FAISS vector index: which kind to create for a collection.

Vectors are unit length, so inner product is cosine similarity. Ids are the
chunk ids, so passages can be removed or replaced individually.
"""

from __future__ import annotations

__all__ = ["new_vector_index"]


def new_vector_index(dim: int, n_vectors: int = 0):
    """An empty index for about ``n_vectors`` vectors of dimension ``dim``.

    Exact (flat) search for now; large collections will want an approximate
    index here.
    """
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
