# Two commands for a new user:  `make run` (set up, then serve the chat) and
# `make test` (set up, then run every test). Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
# llama-cpp-python (the [llm] extra) must be built for a generic x86-64 CPU:
# the native build crashes here. pip reuses the wheel it built once.
export CMAKE_ARGS := -DGGML_NATIVE=OFF

.PHONY: setup browser run test index clean screenshot loadtest

setup: $(VENV)/.installed

# torch first, pinned: it comes from the machine's local CPU wheel; an unpinned
# torch would pull gigabytes of CUDA packages.
# The benchmarks (`rag-bench`) are a package of their own, installed beside the product.
$(VENV)/.installed: pyproject.toml benchmarks/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[test,llm,openvino]"
	$(PY) -m pip install --quiet -e benchmarks
	touch $@

index: setup
	$(VENV)/bin/rag build

run: setup
	$(PY) app.py

# The browser tests drive Debian's Chromium (never `playwright install`).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }

test: setup browser
	$(PY) -m pytest -q

# docs/chat.png: the chat with an answer and its sources, taken by the browser test.
screenshot: setup browser
	RAG_SCREENSHOT=docs/chat.png $(PY) -m pytest -q tests/e2e/test_browser.py -k streams

# p50/p95 latency of 20 concurrent API clients asking 100 questions (README figure).
loadtest: setup
	$(VENV)/bin/rag-bench load --clients 20 --total 100

clean:
	rm -rf $(VENV) build *.egg-info benchmarks/*.egg-info index/CURRENT index/v-* index/.partial-*
