"""Experiment (issue 7): which MatMuls to leave in fp32 when quantizing to int8.
Prints, per variant, CPU ms per SciFact abstract and the cosine of its vectors
to the fp32 ONNX model's (300 abstracts); the fp32 model first.

    python benchmarks/experiments/quantization_variants.py SCIFACT_DIR [WORK_DIR]

The fp32 ONNX file is the ``onnx`` backend's (exported here if missing);
variants are written to WORK_DIR (default: a temporary directory).
"""
import json
import sys
import tempfile
import time
from pathlib import Path

import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic

from rag.models.embedding import OnnxEmbedder, make_embedder
from rag.settings import Settings

src = make_embedder(Settings().replace(embed_backend="onnx")).model_file()
work = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp())
names = [n.name for n in onnx.load(str(src)).graph.node if n.op_type == "MatMul"]
docs = [json.loads(l) for l in open(Path(sys.argv[1]) / "corpus.jsonl")][:300]
texts = [(d.get("title","") + ". " + d["text"]) for d in docs]
variants = {
 "all": [],
 "no_attn_scores": [n for n in names if n.endswith("self/MatMul") or n.endswith("self/MatMul_1")],
 "no_ffn_out": [n for n in names if n.endswith("output/dense/MatMul") and "attention" not in n],
 "no_scores_ffn_out": [n for n in names if n.endswith("self/MatMul") or n.endswith("self/MatMul_1") or (n.endswith("output/dense/MatMul") and "attention" not in n)],
}
def run(path):
    e = OnnxEmbedder(); e.model_file = lambda: path; e.warm_up()
    e.encode(texts[:16])
    t0 = time.process_time(); w0 = time.perf_counter()
    v = e.encode(texts)
    return v, (time.process_time()-t0)/len(texts)*1000, (time.perf_counter()-w0)
ref, cpu, wall = run(src)
print("fp32 cpu ms/doc", round(cpu,1), "wall", round(wall,1), flush=True)
for name, excl in variants.items():
    out = work / f"q-{name}.onnx"
    if not out.exists():
        quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"], nodes_to_exclude=excl)
    v, cpu, wall = run(out)
    cos = (v*ref).sum(1)
    print(name, len(excl), "cpu ms/doc", round(cpu,1), "wall", round(wall,1), "cos mean", round(cos.mean(),4), "min", round(cos.min(),4), flush=True)
