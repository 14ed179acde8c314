"""The product's wheel carries the product only: no benchmark code."""

import re
import zipfile

BENCHMARK_MODULE = re.compile(r"(^|/)(rag_bench|bench\w*|loadtest|corroboration_bench)(/|\.py$)")


def test_product_wheel_holds_no_benchmark_module(product_wheel):
    names = zipfile.ZipFile(product_wheel).namelist()
    assert {"rag/app/cli.py", "rag/app/evaluation.py", "rag/app/answer_evaluation.py"} <= set(names)
    assert [n for n in names if BENCHMARK_MODULE.search(n)] == []
