"""Benchmarks of newsroom-rag, behind one command: ``rag-bench``.

A separate package in the same repository (``benchmarks/``), installed beside
the product and never shipped in its wheel. One module per benchmark:

* :mod:`rag_bench.perf` (``rag-bench perf``): build speed, query latency,
  memory and cold start of a real collection;
* :mod:`rag_bench.scale` (``rag-bench scale``): the vector index and BM25 at
  any size, on synthetic data;
* :mod:`rag_bench.backends` (``rag-bench backends``): the embedding backends'
  speed and nDCG@10 on a BEIR data set;
* :mod:`rag_bench.stores` (``rag-bench stores``): the embedded index beside
  Milvus (milvus-lite on 127.0.0.1): build throughput and retrieve latency;
* :mod:`rag_bench.load` (``rag-bench load``): many concurrent API clients
  against the chat;
* :mod:`rag_bench.indexing` (``rag-bench indexing``): full build, incremental
  add and remove;
* :mod:`rag_bench.corroboration` (``rag-bench corroboration``): how often
  answers are reported by more than one outlet;

with :mod:`rag_bench.measure` (timings, percentiles, load average) shared by
them and :mod:`rag_bench.cli` wiring the command. Measuring retrieval and
answers on one's own data is a user feature and stays in the product
(``rag eval beir|news|answers``). ``benchmarks/experiments/`` holds one-off
scripts that measured ideas, and ``benchmarks/*.jsonl`` the seed questions
and the hand-labelled corroboration pairs.
"""
