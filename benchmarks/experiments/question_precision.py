"""Experiment (issue 19): cheaper question vectors on this CPU without int8's loss.

For each variant of the question model: p50 milliseconds of one news-dev question
on one thread (variants interleaved question by question, so a busy machine slows
them alike), CPU p50, and the cosine of its vectors to the fp32 ONNX model's on
the 180 news-dev questions and 300 SciFact queries (min and mean).

    python benchmarks/experiments/question_precision.py NEWS_DEV_DIR SCIFACT_DIR WORK_DIR

Variants (ONNX files written to WORK_DIR):
  fp32        the ``onnx`` backend's file (ONNX Runtime)
  int8        the ``onnx-int8`` recipe: dynamic, per-channel int8 MatMul weights
  sq-int8     the same after SmoothQuant-style scales (alpha 0.8, activation maxima of
              the first 150 NEWS_DEV articles): each weight MatMul's input divided per
              channel by s, the weight's rows multiplied by it (the same function in fp32)
  sq-int8-ffn sq-int8 with the six feed-forward output MatMuls kept in fp32
  nbits8      MatMulNBits, 8-bit weights in blocks of 128, int8 compute (accuracy_level 4)
  fp16        fp16 weights (ONNX Runtime's CPU provider casts them back to fp32)
  openvino    the fp32 file on OpenVINO in bf16 (AMX), if ``openvino`` is installed
  torch-bf16  the transformer in torch with bf16 weights, raw forward and mean pooling

A variant's SciFact nDCG@10 as the question model: WORK_DIR/cache-NAME holds it as
the int8 file of a model cache, so
    RAG_MODEL_CACHE_DIR=WORK_DIR/cache-NAME RAG_QUERY_BACKEND=onnx-int8 \\
        rag eval beir SCIFACT_DIR --cache /tmp/evalcache --json
"""
import json
import re
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic
from rag_bench.measure import time_interleaved

from rag.models.embedding import OnnxEmbedder, default_model_path
from rag.settings import Settings

news, scifact, work = (Path(a) for a in sys.argv[1:4])
work.mkdir(parents=True, exist_ok=True)
s = Settings()
base = OnnxEmbedder(s.model_name, s.model_path, cache_dir=s.model_cache_dir, threads=1)
base.warm_up()
fp32 = base.model_file()
tok = base._tokenizer
questions = [json.loads(l)["question"] for l in open(news / "questions.jsonl") if l.strip()]
queries = [json.loads(l)["text"] for l in open(scifact / "queries.jsonl")][:300]
FFN_OUT = r"layer\.\d/output/dense"


def int8(src: Path, name: str, exclude=()) -> Path:
    names = [n.name for n in onnx.load(str(src)).graph.node if n.op_type == "MatMul"]
    out = work / f"{name}.onnx"
    quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"],
                     nodes_to_exclude=[n for n in names if any(re.search(p, n) for p in exclude)])
    return out


def smoothed(alpha: float = 0.8) -> Path:
    """fp32 model with per-channel scales moved from each weight MatMul's input to its weight."""
    model = onnx.load(str(fp32))
    inits = {i.name: i for i in model.graph.initializer}
    groups: dict[str, list] = {}
    for node in model.graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits:
            groups.setdefault(node.input[0], []).append(node)
    probe = onnx.load(str(fp32))
    for name in groups:
        probe.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    outputs = [o.name for o in session.get_outputs()]
    amax: dict[str, np.ndarray] = {}
    texts = [json.loads(l).get("text", "")[:1200] for l in open(news / "articles.jsonl")][:150]
    for text in texts:
        ids = np.array([tok.encode(text).ids], np.int64)
        values = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                    "token_type_ids": np.zeros_like(ids)})
        for name, value in zip(outputs, values):
            if name in groups:
                top = np.abs(value).reshape(-1, value.shape[-1]).max(0)
                amax[name] = np.maximum(amax.get(name, 0), top)
    for k, (name, nodes) in enumerate(groups.items()):
        weights = [numpy_helper.to_array(inits[n.input[1]]) for n in nodes]
        wmax = np.max([np.abs(w).max(1) for w in weights], axis=0)
        scale = np.clip(np.maximum(amax[name], 1e-5) ** alpha
                        / np.maximum(wmax, 1e-5) ** (1 - alpha), 1e-2, 1e2).astype(np.float32)
        inverse = numpy_helper.from_array((1 / scale).astype(np.float32), f"smooth_inv_{k}")
        model.graph.initializer.append(inverse)
        model.graph.node.insert(list(model.graph.node).index(nodes[0]), helper.make_node(
            "Mul", [name, inverse.name], [f"{name}_smoothed"], name=f"smooth_mul_{k}"))
        for node, w in zip(nodes, weights):
            node.input[0] = f"{name}_smoothed"
            inits[node.input[1]].CopyFrom(numpy_helper.from_array(
                (w * scale[:, None]).astype(np.float32), node.input[1]))
    out = work / "sq-fp32.onnx"
    onnx.save(model, str(out))
    return out


def nbits8() -> Path:
    from onnxruntime.quantization.matmul_nbits_quantizer import (
        DefaultWeightOnlyQuantConfig,
        MatMulNBitsQuantizer,
    )

    config = DefaultWeightOnlyQuantConfig(block_size=128, is_symmetric=False, accuracy_level=4,
                                          bits=8, op_types_to_quantize=("MatMul",))
    q = MatMulNBitsQuantizer(onnx.load(str(fp32)), bits=8, block_size=128, accuracy_level=4,
                             algo_config=config)
    q.process()
    out = work / "nbits8.onnx"
    q.model.save_model_to_file(str(out), use_external_data_format=False)
    return out


def fp16() -> Path:
    from onnxruntime.transformers.float16 import convert_float_to_float16

    out = work / "fp16.onnx"
    onnx.save(convert_float_to_float16(onnx.load(str(fp32)), keep_io_types=True), str(out))
    return out


def ort_runner(path: Path):
    options = ort.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    return lambda feeds: session.run(None, {k: v for k, v in feeds.items() if k in names})[0]


def openvino_runner(path: Path):
    import openvino as ov

    core = ov.Core()
    compiled = core.compile_model(core.read_model(str(path)), "CPU", {
        "INFERENCE_NUM_THREADS": 1, "INFERENCE_PRECISION_HINT": "bf16",
        "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1})
    request = compiled.create_infer_request()
    return lambda feeds: request.infer(feeds)[0]


def torch_runner():
    import torch
    from transformers import AutoModel

    torch.set_num_threads(1)
    model = AutoModel.from_pretrained(str(s.model_path or default_model_path()),
                                      local_files_only=True).eval().to(torch.bfloat16)

    def run(feeds):
        with torch.inference_mode():
            ids = torch.from_numpy(feeds["input_ids"])
            out = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
            return out.float().numpy()
    return run


runners = {"fp32": ort_runner(fp32), "int8": ort_runner(int8(fp32, "int8"))}
sq = smoothed()
runners["sq-int8"] = ort_runner(int8(sq, "sq-int8"))
runners["sq-int8-ffn"] = ort_runner(int8(sq, "sq-int8-ffn", [FFN_OUT]))
runners["nbits8"] = ort_runner(nbits8())
runners["fp16"] = ort_runner(fp16())
try:
    runners["openvino"] = openvino_runner(fp32)
except ImportError:
    print("(openvino not installed: skipped)")
runners["torch-bf16"] = torch_runner()
for name in ("int8", "sq-int8", "sq-int8-ffn", "nbits8"):
    folder = work / f"cache-{name}" / fp32.parent.name
    folder.mkdir(parents=True, exist_ok=True)
    for link, target in (("model.onnx", fp32), ("model-int8.onnx", work / f"{name}.onnx")):
        if not (folder / link).exists():
            (folder / link).symlink_to(target)


def feeds(text):
    ids = np.array([tok.encode(text).ids], np.int64)
    return {"input_ids": ids, "attention_mask": np.ones_like(ids),
            "token_type_ids": np.zeros_like(ids)}


def vector(hidden):
    v = hidden[0].mean(0)
    return v / np.linalg.norm(v)


reference = {t: vector(runners["fp32"](feeds(t))) for t in questions + queries}
time_interleaved(runners, [feeds(t) for t in questions])    # warm-up: every length once
wall, cpu = time_interleaved(runners, [feeds(t) for t in questions * 2])
for name, run in runners.items():
    cos_news = [float(vector(run(feeds(t))) @ reference[t]) for t in questions]
    cos_sci = [float(vector(run(feeds(t))) @ reference[t]) for t in queries]
    print(f"{name:12s} p50 {np.median(wall[name]) * 1000:5.2f} ms (CPU {np.median(cpu[name]) * 1000:5.2f})"
          f" | cosine news-dev min {min(cos_news):.5f} mean {np.mean(cos_news):.5f}"
          f" | SciFact min {min(cos_sci):.5f} mean {np.mean(cos_sci):.5f}", flush=True)
