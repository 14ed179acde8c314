"""The model counts the tokens it reads of each text (what a build orders its
batches by): special tokens included, long texts cut at its sequence length."""

from rag.models.embedding import SentenceEmbedder


def test_token_counts_are_what_the_model_reads_including_its_cut_at_max_length():
    embedder = SentenceEmbedder()
    assert embedder.token_counts(["Storm damage", "word " * 400, "1,250,000 in 2024"]) == \
        [4, 256, 10]
