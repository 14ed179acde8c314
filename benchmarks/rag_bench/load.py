"""``rag-bench load``: many concurrent API clients against a running chat; latency figures.

``rag-bench load URL`` starts ``--clients`` threads, each with its own HTTP
client, that together ask ``--total`` questions through the ``/ask`` endpoint
(Gradio's REST API: POST ``/gradio_api/call/ask``, then the event stream of the
result). ``--client gradio`` uses a ``gradio_client.Client`` per thread instead:
it costs several times the CPU per question (~120 ms here), which on the
server's own two cores is most of what a run measures. Every reply is checked twice: it must contain the expected
words, and it must equal the reply the same question got when asked alone
before the load started (an answer must not change because others are asking
at the same time). The result reports failures and p50/p95/max latency.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["SEED_QUESTIONS", "CLIENTS", "LoadResult", "load_questions", "run_load", "served",
           "http_asker"]

#: How the load's clients talk to the chat.
CLIENTS = ("http", "gradio")

#: Questions about the seed articles and a word each correct reply contains.
SEED_QUESTIONS = [
    ("Who decided not to use its veto?", "veto"),
    ("How did Netanyahu react to the UN vote?", "delegation"),
    ("How many Security Council resolutions has the US vetoed since 1945?", "89"),
    ("What is the boiling point of tungsten?", "do not answer"),
]


@dataclass
class LoadResult:
    url: str
    clients: int
    requests: int
    correct: int
    failed: int
    wrong: int
    seconds: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    throughput_per_s: float
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.requests} questions from {self.clients} concurrent clients against "
                f"{self.url}\n  correct {self.correct}, wrong {self.wrong}, failed {self.failed}"
                f"\n  latency p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms, "
                f"max {self.max_ms:.0f} ms; {self.throughput_per_s:.1f} questions/s over "
                f"{self.seconds:.1f} s")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def load_questions(path: str | Path) -> list[tuple[str, str]]:
    """``question``/``expect`` pairs from a JSON-lines file."""
    with open(path, encoding="utf-8") as lines:
        return [(r["question"], r.get("expect", "")) for r in map(json.loads, lines)
                if r.get("question")]


@contextmanager
def http_asker(url: str, auth: tuple[str, str] | None = None):
    """``with http_asker(url) as ask``: ``ask(question) -> reply`` over Gradio's
    REST API with one ``httpx`` client (its own connection; logged in first
    when ``auth`` is given), closed at the end of the block."""
    import httpx

    with httpx.Client(base_url=url.rstrip("/"), timeout=600) as client:
        if auth:
            client.post("/login",
                        data={"username": auth[0], "password": auth[1]}).raise_for_status()

        def ask(question: str) -> str:
            posted = client.post("/gradio_api/call/ask", json={"data": [question]})
            posted.raise_for_status()
            event = f"/gradio_api/call/ask/{posted.json()['event_id']}"
            with client.stream("GET", event) as events:
                events.raise_for_status()
                kind = None
                for line in events.iter_lines():
                    if line.startswith("event:"):
                        kind = line.partition(":")[2].strip()
                    elif line.startswith("data:") and kind in ("complete", "error"):
                        data = json.loads(line.partition(":")[2] or "null")
                        if kind == "error":
                            raise RuntimeError(f"the chat answered with an error: {data}")
                        return data[0]
            raise RuntimeError("the event stream ended without a result")
        yield ask


@contextmanager
def _gradio_asker(url: str, auth: tuple[str, str] | None = None):
    from gradio_client import Client

    with closing(Client(url, auth=auth, verbose=False)) as client:
        yield lambda question: client.predict(question, api_name="/ask")


def run_load(url: str, questions=None, *, clients: int = 20, total: int = 100,
             auth: tuple[str, str] | None = None, client: str = "http") -> LoadResult:
    """Ask ``total`` questions from ``clients`` concurrent clients (round-robin
    over ``questions``) and check every reply. ``client``: one of
    :data:`CLIENTS`."""
    from .measure import percentiles_ms  # numpy: not for `rag-bench --help`

    if not 0 < clients <= total:
        raise ValueError("need at least one client and at least one question per client")
    if client not in CLIENTS:
        raise ValueError(f"unknown client {client!r}: use {' or '.join(CLIENTS)}")
    asker = http_asker if client == "http" else _gradio_asker
    questions = list(questions or SEED_QUESTIONS)
    try:
        with asker(url, auth) as reference_ask:
            reference = {q: reference_ask(q) for q, _ in questions}
    except Exception as exc:        # before the load: the chat cannot be asked at all
        raise ValueError(f"cannot ask the chat at {url} ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else exc!r}); is it running, "
                         "and does it need --auth USER:PASSWORD?") from None
    work = [questions[i % len(questions)] for i in range(total)]
    shares = [work[c::clients] for c in range(clients)]
    latencies: list[float] = []
    errors: list[str] = []
    counts = {"correct": 0, "wrong": 0, "failed": 0}
    lock = threading.Lock()
    start_line = threading.Barrier(clients)

    def one_client(share):
        with ExitStack() as stack:   # closes the client when its share is done
            try:
                ask = stack.enter_context(asker(url, auth))
            except Exception as exc:  # its questions failed; the others must not wait for it
                with lock:
                    counts["failed"] += len(share)
                    errors.append(f"a client could not connect: {type(exc).__name__}: {exc}")
                start_line.wait()
                return
            start_line.wait()  # all clients start asking together
            for question, expect in share:
                began = time.perf_counter()
                try:
                    reply = ask(question)
                except Exception as exc:  # a failed request is a result, not a crash
                    with lock:
                        counts["failed"] += 1
                        errors.append(f"{question}: {type(exc).__name__}: {exc}")
                    continue
                elapsed = time.perf_counter() - began
                ok = expect.lower() in reply.lower() and reply == reference[question]
                with lock:
                    latencies.append(elapsed)
                    counts["correct" if ok else "wrong"] += 1
                    if not ok:
                        errors.append(f"{question}: unexpected reply {reply[:120]!r}")

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one_client, shares))
    seconds = time.perf_counter() - began
    p50, p95 = percentiles_ms(latencies or [0.0])
    return LoadResult(url=url, clients=clients, requests=total, seconds=seconds,
                      p50_ms=p50, p95_ms=p95, max_ms=max(latencies, default=0.0) * 1000,
                      throughput_per_s=total / seconds,
                      errors=errors[:20], **counts)


@contextmanager
def served(settings, *, timeout: float = 300):
    """Run ``rag serve`` for ``settings`` in a child process; yields its url.

    The server gets its own process, as in production, so the clients' work
    does not compete with it for the interpreter lock.
    """
    import os
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "rag", "serve", "--articles", str(settings.articles_dir),
               "--index", str(settings.index_dir), "--port", str(port)]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    if settings.auth:
        env["RAG_AUTH"] = settings.auth
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"rag serve exited early:\n{proc.stderr.read()[-2000:]}")
            try:
                urllib.request.urlopen(url + "gradio_api/info", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # up (a login-protected app answers 401)
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("rag serve did not start in time") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
