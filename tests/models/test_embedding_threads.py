"""Question-time encodes (fewer texts than a batch) run torch on
``embed_query_threads`` threads; batches (builds) keep torch's default."""

import numpy as np
import torch

from rag.models.embedding import SentenceEmbedder, encode_longest_first


class ThreadRecorder:
    """Stands in for the sentence-transformers model: records torch's threads."""

    def __init__(self):
        self.threads = []

    def encode(self, texts, **kwargs):
        self.threads.append(torch.get_num_threads())
        return np.ones((len(texts), 384), dtype=np.float32)


def test_a_few_texts_are_encoded_on_one_thread_and_the_default_comes_back():
    embedder = SentenceEmbedder(batch_size=8, query_threads=1)
    embedder._model = model = ThreadRecorder()
    default = torch.get_num_threads()
    embedder.encode(["one question"])
    assert model.threads == [1]
    assert torch.get_num_threads() == default


def test_a_batch_of_passages_keeps_torchs_threads():
    embedder = SentenceEmbedder(batch_size=8, query_threads=1)
    embedder._model = model = ThreadRecorder()
    embedder.encode([f"passage {i}" for i in range(8)])
    assert model.threads == [torch.get_num_threads()]


def test_zero_leaves_torchs_default_for_every_encode():
    embedder = SentenceEmbedder(batch_size=8, query_threads=0)
    embedder._model = model = ThreadRecorder()
    embedder.encode(["one question"])
    assert model.threads == [torch.get_num_threads()]


def test_a_build_runs_one_batch_per_core_each_on_one_torch_thread_and_keeps_the_order(
        monkeypatch):
    import threading

    seen = []

    class Numbered:
        """Records the thread and torch's threads; a text's vector holds its number."""

        def encode(self, texts, **kwargs):
            seen.append((threading.current_thread().name, torch.get_num_threads()))
            out = np.zeros((len(texts), 384), dtype=np.float32)
            out[:, 0] = [int(t.split()[-1]) for t in texts]
            return out

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    embedder = SentenceEmbedder(batch_size=2, query_threads=1)
    embedder._model = Numbered()
    embedder.token_counts = lambda texts: [len(t) for t in texts]
    default = torch.get_num_threads()
    texts = [f"{'long ' * (i % 3)}text {i}" for i in range(9)]
    vectors = encode_longest_first(embedder, texts, 2)
    assert vectors[:, 0].tolist() == list(range(9))
    assert {threads for _, threads in seen} == {1}
    assert all(name.startswith("embedding") for name, _ in seen)
    assert torch.get_num_threads() == default
