"""How the ONNX embedder groups texts into model calls (rag.models.embedding.length_batches)."""

from rag.models.embedding import CALL_TOKENS, length_batches


def _padded_tokens(lengths, batches):
    return sum((end - start) * lengths[start] for start, end in batches)


def test_batches_cover_every_text_once_in_order_within_the_batch_size():
    lengths = sorted([3, 50, 7, 7, 8, 120, 9, 31, 30, 30, 12, 5] * 9, reverse=True)
    batches = length_batches(lengths, 16)
    assert batches[0][0] == 0 and batches[-1][1] == len(lengths)
    assert all(a[1] == b[0] for a, b in zip(batches, batches[1:]))
    assert all(0 < end - start <= 16 for start, end in batches)


def test_short_texts_are_not_padded_to_a_long_ones_length():
    lengths = [60] + [10] * 12
    assert length_batches(lengths, 64) == [(0, 1), (1, 13)]
    assert _padded_tokens(lengths, length_batches(lengths, 64)) == 60 + 12 * 10


def test_texts_of_similar_length_share_one_call():
    assert length_batches([20, 19, 19, 18, 18, 17], 64) == [(0, 6)]
    assert length_batches([5], 64) == [(0, 1)] and length_batches([], 64) == []


def test_a_split_is_made_only_when_it_saves_more_than_a_call_costs():
    # One more call saves 2 * 3 = 6 padded tokens: fewer than a call costs.
    assert CALL_TOKENS > 6
    assert length_batches([23, 20, 20], 64) == [(0, 3)]
