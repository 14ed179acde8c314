"""Many concurrent API clients share one engine: every answer right, none failed.

A benchmark figure, not a timing assertion: the latencies this prints are
reported in the README from `rag-bench load`.
"""

import pytest
from servers import running_app

pytestmark = pytest.mark.e2e


def test_twenty_concurrent_clients_get_a_hundred_correct_answers(seed_engine):
    from rag_bench.load import run_load

    with running_app(seed_engine) as url:
        result = run_load(url, clients=20, total=100)
    print(result)
    assert result.errors == []
    assert (result.correct, result.wrong, result.failed) == (100, 0, 0)
