"""Many concurrent API clients share one engine: every answer right, none failed.

A benchmark figure, not a timing assertion: the latencies this prints are
reported in the README from `rag-bench load`.
"""

import pytest
from servers import running_app

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("client", ["http", "gradio"])
def test_twenty_concurrent_clients_get_a_hundred_correct_answers(seed_engine, client):
    from rag_bench.load import run_load

    with running_app(seed_engine) as url:
        result = run_load(url, clients=20, total=100, client=client)
    print(result)
    assert result.errors == []
    assert (result.correct, result.wrong, result.failed) == (100, 0, 0)


def test_load_against_no_chat_says_so_in_one_line():
    from rag_bench.load import run_load

    with pytest.raises(ValueError, match="cannot ask the chat at .*--auth"):
        run_load("http://127.0.0.1:9/", clients=1, total=1)
