"""The FAISS vector index: which kind to create for a collection, and building it.

Vectors are unit length, so inner product is cosine similarity. Ids are the
chunk ids, so passages can be removed or replaced individually.

The index type follows the collection's size (:class:`VectorIndexPolicy`):

* up to ``flat_max`` vectors: exact search (``IndexFlatIP``): 1.5 KB per
  vector, and on 2 cores still a few milliseconds a query at 100k; from
  :data:`QUANTISED_SEARCH_FROM` vectors searched on an 8-bit copy, then
  rescored exactly (:class:`QuantisedSearch`: a quarter of the bytes read, the
  same results unless the copy's rounding loses one);
* above it: an inverted file with 8-bit scalar quantisation (``IVF<nlist>,SQ8``):
  a quarter of the memory (384 bytes per 384-d vector), and a query scans only
  ``nprobe`` of the ``nlist`` clusters. It must be trained (k-means), which
  :func:`build_vector_index` does on a sample of the vectors it indexes.

``rag-bench scale N`` measures both (docs/performance.md); the defaults
below are chosen from those measurements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["VectorIndexPolicy", "new_vector_index", "build_vector_index", "index_type",
           "needs_rebuild", "fit_vector_index", "index_vectors", "search_vectors",
           "QuantisedSearch", "QUANTISED_SEARCH_FROM"]


@dataclass(frozen=True)
class VectorIndexPolicy:
    """When to switch from exact to approximate search, and how to tune the latter."""

    #: Largest collection searched exactly. Above it: IVF + SQ8.
    flat_max: int = 200_000
    #: Clusters scanned per query (recall against speed).
    nprobe: int = 48
    #: Training sample per cluster (FAISS wants 30-256).
    train_per_list: int = 64
    #: Seed of the k-means training, so builds are reproducible.
    seed: int = 1234

    @classmethod
    def from_settings(cls, settings) -> "VectorIndexPolicy":
        return cls(flat_max=settings.flat_index_max, nprobe=settings.ivf_nprobe)

    def nlist(self, n_vectors: int) -> int:
        """Number of IVF clusters for ``n_vectors``: about 2·√n (clusters of ~500
        vectors at 1M), but never so many that k-means lacks the 39 training
        points per cluster FAISS asks for."""
        return max(1, min(int(2 * math.sqrt(max(n_vectors, 1))), n_vectors // 39))

    def kind(self, n_vectors: int) -> str:
        """``"flat"`` or ``"ivf-sq8"`` for a collection of ``n_vectors``."""
        return "flat" if n_vectors <= self.flat_max else "ivf-sq8"


def new_vector_index(dim: int, n_vectors: int = 0, policy: VectorIndexPolicy | None = None):
    """An empty index for about ``n_vectors`` vectors of dimension ``dim``.

    A flat index is ready to use; an IVF index must be trained before vectors
    are added (:func:`build_vector_index` does both).
    """
    import faiss

    policy = policy or VectorIndexPolicy()
    if policy.kind(n_vectors) == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    nlist = policy.nlist(n_vectors)
    index = faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
    index.nprobe = min(policy.nprobe, nlist)   # saved with the index
    return index


def build_vector_index(vectors: np.ndarray, ids, policy: VectorIndexPolicy | None = None):
    """A searchable index over ``vectors`` (``(n, dim)`` float32) keyed by ``ids``,
    of the type the policy picks for ``n``; an IVF index is trained first."""
    import faiss

    policy = policy or VectorIndexPolicy()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    n, dim = vectors.shape
    index = new_vector_index(dim, n, policy)
    if not index.is_trained:
        ivf = faiss.extract_index_ivf(index)
        sample = min(n, ivf.nlist * policy.train_per_list)
        rows = np.random.default_rng(policy.seed).choice(n, sample, replace=False)
        ivf.cp.seed = policy.seed
        ivf.cp.niter = 10   # plenty for assignment quality; training is the slow part
        index.train(vectors[np.sort(rows)])
    if n:
        index.add_with_ids(vectors, ids)
    return index


def search_vectors(index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(scores, ids)`` of the ``k`` best vectors for each query."""
    return index.search(_as_queries(queries), k)


def _as_queries(queries: np.ndarray) -> np.ndarray:
    """``queries`` as FAISS takes them, with a handful of them set to run on the
    calling thread alone: FAISS parallelises over queries, so a second OpenMP
    thread cannot help one query, and on a busy machine waiting for it to be
    scheduled cost 40 ms instead of 0.5 ms (measured on 10k vectors at load 12
    on 2 cores). The setting is per thread."""
    import faiss

    if len(queries) < 20:
        faiss.omp_set_num_threads(1)
    return np.ascontiguousarray(queries, dtype=np.float32)


def index_type(index) -> str:
    """``"flat"`` or ``"ivf-sq8"``: what kind of index this is."""
    import faiss

    try:
        faiss.extract_index_ivf(index)
        return "ivf-sq8"
    except RuntimeError:
        return "flat"


def needs_rebuild(index, n_vectors: int, policy: VectorIndexPolicy | None = None) -> bool:
    """Whether an index holding ``n_vectors`` should be rebuilt: its type is not
    the one the policy picks for that size, or (IVF) the collection has grown
    or shrunk by more than 4x since its clusters were trained."""
    import faiss

    policy = policy or VectorIndexPolicy()
    kind = index_type(index)
    if kind != policy.kind(n_vectors):
        return True
    if kind == "ivf-sq8":
        trained_for = faiss.extract_index_ivf(index).nlist
        wanted = policy.nlist(n_vectors)
        return not wanted / 2 <= trained_for <= wanted * 2
    return False


def fit_vector_index(index, policy: VectorIndexPolicy | None = None):
    """``index`` itself, or (when :func:`needs_rebuild` says so after an
    incremental update) a new index of the right type over the same vectors."""
    if not needs_rebuild(index, index.ntotal, policy):
        return index
    vectors, ids = index_vectors(index)
    return build_vector_index(vectors, ids, policy)


def index_vectors(index) -> tuple[np.ndarray, np.ndarray]:
    """``(vectors, ids)`` stored in ``index``, for rebuilding it as another type.
    Exact for a flat index; for IVF-SQ8, the 8-bit decoded vectors."""
    import faiss

    if index.ntotal == 0:
        return np.zeros((0, index.d), np.float32), np.zeros(0, np.int64)
    if index_type(index) == "flat":
        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        return index.index.reconstruct_n(0, index.ntotal), ids
    ivf = faiss.extract_index_ivf(index)
    lists = ivf.invlists
    ids = np.concatenate([
        faiss.rev_swig_ptr(lists.get_ids(l), lists.list_size(l)).copy()
        for l in range(ivf.nlist) if lists.list_size(l)]).astype(np.int64)
    # Chunk ids are not 0..n-1, so look them up through a hash table.
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
    try:
        vectors = ivf.reconstruct_batch(ids)
    finally:
        ivf.set_direct_map_type(faiss.DirectMap.NoMap)
    return np.ascontiguousarray(vectors, np.float32), ids


#: A flat index of at least this many vectors is searched through :class:`QuantisedSearch`.
QUANTISED_SEARCH_FROM = 5_000
#: :class:`QuantisedSearch` rescores this many times the candidates asked for.
_RESCORE_FACTOR = 2


class QuantisedSearch:
    """A flat index searched on an 8-bit copy of its vectors, then rescored exactly.

    A question's search reads every stored vector: 1.5 KB each in float32,
    a quarter of that in 8 bits, so the copy is read faster and leaves more of
    the CPU's cache to the question model. The copy finds twice the
    candidates asked for; the flat index itself scores them
    (``compute_distance_subset``: FAISS's own inner product over its own
    vectors, nothing copied) and the best ``k`` are returned in the flat
    search's order, equal scores by descending position as FAISS orders
    them. For fewer than 20 queries at once (every search a question makes)
    the scores are the flat search's to the bit, and the results are the flat
    search's unless the copy's rounding pushed one of the true ``k`` out of
    twice ``k``, or several vectors score exactly alike at the ``k``-th place
    and the two keep different ones (on news-dev, retrieval's top 5 was
    identical for all 180 questions; docs/performance.md). From 20 queries FAISS's flat search
    multiplies matrices, whose sums may differ in the last bit. A search for
    much of the index (a filtered one asks for all of it) is the flat index's
    own. Costs 1 byte per dimension per vector (5.5 MB for news-dev's 14,483)."""

    def __init__(self, index):
        import faiss

        self._index = index        # owns the flat index (and its vectors)
        self._flat = faiss.downcast_index(index.index)
        self.ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        vectors = faiss.rev_swig_ptr(self._flat.get_xb(), self._flat.ntotal * self._flat.d)
        self.copy = faiss.IndexScalarQuantizer(self._flat.d, faiss.ScalarQuantizer.QT_8bit,
                                               faiss.METRIC_INNER_PRODUCT)
        self.copy.train(vectors.reshape(self._flat.ntotal, self._flat.d))
        self.copy.add(vectors.reshape(self._flat.ntotal, self._flat.d))

    @property
    def current(self) -> bool:
        """Whether the index still holds the vectors the copy was made of (as far
        as its size tells: rag never changes a searched index in place,
        :meth:`~rag.index.store.StoredIndex.updated` changes a clone)."""
        return self._flat.ntotal == len(self.ids)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, ids)`` as :func:`search_vectors` gives them."""
        import faiss

        if k * _RESCORE_FACTOR * 4 > len(self.ids) or not self.current:
            # Most of the index wanted (a filtered search takes all of it): reading
            # the copy too would only add work. Or the index changed in place since
            # the copy was made: its rows would name the wrong vectors, or none.
            return search_vectors(self._index, queries, k)
        queries = _as_queries(queries)
        wanted = min(k * _RESCORE_FACTOR, len(self.ids))
        _, rows = self.copy.search(queries, wanted)
        exact = np.empty(rows.shape, np.float32)
        self._flat.compute_distance_subset(len(queries), faiss.swig_ptr(queries), wanted,
                                           faiss.swig_ptr(exact), faiss.swig_ptr(rows))
        exact[rows < 0] = -np.inf
        # Ties as the flat search breaks them: the k kept come best first, equal
        # scores by descending position. (Which of several equal scores at the k-th
        # place the flat search keeps depends on its scan; here the first stored.)
        kept = np.lexsort((rows, -exact), axis=-1)[:, :k]
        rows, exact = np.take_along_axis(rows, kept, 1), np.take_along_axis(exact, kept, 1)
        order = np.lexsort((-rows, -exact), axis=-1)
        rows, exact = np.take_along_axis(rows, order, 1), np.take_along_axis(exact, order, 1)
        ids = np.where(rows >= 0, self.ids[np.maximum(rows, 0)], -1)
        return exact, ids
