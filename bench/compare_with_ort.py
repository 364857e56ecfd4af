#!/usr/bin/python3
"""kite against ONNX Runtime, side by side on the same ONNX files and thread counts.

Usage: bench/compare_with_ort.py [--threads 1,2] [--loops 20] [--warmup 3] [--rounds 3]
                                 [--models name,...] [--kite build/kite] [--models-dir build/models/bench]

Models: torchvision exports (scripts/export_torchvision_models.py, random weights) and MobileNet v1
from kite's zoo. For every model and thread count, kite and ONNX Runtime run alternately,
--rounds times each; each run reports the median of --loops timed inferences after --warmup, and
the table shows the median of those medians and the ratio kite / ONNX Runtime (below 1: kite is
faster). Peak memory: each engine's process peak RSS; ONNX Runtime's runs in Node.js, whose own
RSS before the model loads is shown apart. Prints a Markdown report.

With --int8: the zoo's mobilenet_v1, mobilenet_v2, resnet (depth 50) and googlenet, each exported
to ONNX, quantized by kite with 7-bit weights (--weight-bits 7; calibrated on 8 random inputs:
good for speed, not accuracy) and
exported as a QDQ ONNX file; kite fp32, kite int8 (that QDQ file) and ONNX Runtime on the same QDQ
file run alternately. The table shows kite int8 / kite fp32 and kite int8 / ONNX Runtime int8.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCHVISION = ["mobilenet_v2", "resnet18", "resnet50", "googlenet", "inception_v3", "squeezenet1_1",
               "shufflenet_v2_x1_0", "mobilenet_v3_large", "efficientnet_b0"]


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def prepare(models_dir, kite, names):
    os.makedirs(models_dir, exist_ok=True)
    tv = [n for n in names if n in TORCHVISION]
    if tv:
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts/export_torchvision_models.py"), models_dir,
                        "--models", ",".join(tv)], check=True, stdout=subprocess.DEVNULL)
    if "mobilenet_v1" in names and not os.path.exists(os.path.join(models_dir, "mobilenet_v1.onnx")):
        subprocess.run([kite, "zoo", "export", "mobilenet_v1", "-o", os.path.join(models_dir, "mobilenet_v1.onnx")],
                       check=True, stdout=subprocess.DEVNULL)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", default="1,2")
    p.add_argument("--loops", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--models", default=p_default_models())
    p.add_argument("--kite", default=os.path.join(ROOT, "build/kite"))
    p.add_argument("--models-dir", default=os.path.join(ROOT, "build/models/bench"))
    p.add_argument("--int8", action="store_true", help="int8: kite's QDQ export, kite against ONNX Runtime")
    a = p.parse_args()
    if a.int8:
        return main_int8(a)
    names = a.models.split(",")
    prepare(a.models_dir, a.kite, names)
    ort = os.path.join(ROOT, "scripts/ort/bench_model.js")
    rows = []
    for name in names:
        onnx = os.path.join(a.models_dir, name + ".onnx")
        for threads in [int(t) for t in a.threads.split(",")]:
            k_runs, o_runs = [], []
            for _ in range(a.rounds):
                k_runs.append(run_json([a.kite, "bench", onnx, "--json", "--threads", str(threads),
                                        "--loops", str(a.loops), "--warmup", str(a.warmup)]))
                o_runs.append(run_json(["node", ort, onnx, str(threads), str(a.loops), str(a.warmup)]))
            k = statistics.median(r["median_ms"] for r in k_runs)
            o = statistics.median(r["median_ms"] for r in o_runs)
            rows.append((name, threads, k, o, k / o, max(r["peak_bytes"] for r in k_runs),
                         max(r["peak_bytes"] for r in o_runs), max(r["node_base_bytes"] for r in o_runs)))
            print(f"{name} {threads}T kite {k:.2f} ms, ORT {o:.2f} ms, ratio {k / o:.2f}", file=sys.stderr)
    mib = 1 << 20
    print(f"Measured {datetime.date.today()} on {cpu_name()} ({os.cpu_count()} cores), batch 1, "
          f"median of {a.rounds} rounds x median of {a.loops} runs after {a.warmup} warm-up runs.\n")
    print("| model | threads | kite ms | ONNX Runtime ms | kite / ORT | kite peak MiB | ORT peak MiB (Node.js alone) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, threads, k, o, ratio, kp, op, base in rows:
        print(f"| {name} | {threads} | {k:.2f} | {o:.2f} | {ratio:.2f} | {kp / mib:.0f} | {op / mib:.0f} ({base / mib:.0f}) |")


INT8_ZOO = {"mobilenet_v1": "mobilenet_v1", "mobilenet_v2": "mobilenet_v2", "resnet50": "resnet?depth=50",
            "googlenet": "googlenet"}


def prepare_int8(models_dir, kite, name):
    """The zoo model as fp32 ONNX and as kite's QDQ ONNX."""
    import numpy
    fp32 = os.path.join(models_dir, "zoo_" + name + ".onnx")
    qdq = os.path.join(models_dir, "zoo_" + name + "_qdq.onnx")
    if not os.path.exists(fp32):
        subprocess.run([kite, "zoo", "export", INT8_ZOO[name], "-o", fp32], check=True, stdout=subprocess.DEVNULL)
    if not os.path.exists(qdq):
        calib = os.path.join(models_dir, "calib_" + name + ".npy")
        # The four zoo models take [1, 3, 224, 224] at their default knobs.
        numpy.save(calib, numpy.random.RandomState(0).standard_normal([8, 3, 224, 224]).astype(numpy.float32))
        subprocess.run([kite, "quantize", fp32, "-o", qdq[:-5] + ".kite", "--calib", calib, "--samples", "8",
                        "--weight-bits", "7", "--export-onnx", qdq, "--force"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return fp32, qdq


def main_int8(a):
    names = [n for n in a.models.split(",") if n in INT8_ZOO] if a.models != p_default_models() else list(INT8_ZOO)
    os.makedirs(a.models_dir, exist_ok=True)
    ort = os.path.join(ROOT, "scripts/ort/bench_model.js")
    rows = []
    for name in names:
        fp32, qdq = prepare_int8(a.models_dir, a.kite, name)
        for threads in [int(t) for t in a.threads.split(",")]:
            runs = {"fp32": [], "int8": [], "ort": []}
            for _ in range(a.rounds):
                common = ["--json", "--threads", str(threads), "--loops", str(a.loops), "--warmup", str(a.warmup)]
                runs["fp32"].append(run_json([a.kite, "bench", fp32] + common))
                runs["int8"].append(run_json([a.kite, "bench", qdq] + common))
                runs["ort"].append(run_json(["node", ort, qdq, str(threads), str(a.loops), str(a.warmup)]))
            med = {k: statistics.median(r["median_ms"] for r in v) for k, v in runs.items()}
            peak = {k: max(r["peak_bytes"] for r in v) for k, v in runs.items()}
            rows.append((name, threads, med, peak))
            print(f"{name} {threads}T kite fp32 {med['fp32']:.2f} ms, kite int8 {med['int8']:.2f} ms, "
                  f"ORT int8 {med['ort']:.2f} ms", file=sys.stderr)
    mib = 1 << 20
    print(f"Measured {datetime.date.today()} on {cpu_name()} ({os.cpu_count()} cores), batch 1, "
          f"median of {a.rounds} rounds x median of {a.loops} runs after {a.warmup} warm-up runs.\n")
    print("| model | threads | kite fp32 ms | kite int8 ms | ORT int8 (QDQ) ms | int8 / fp32 | kite int8 / ORT int8 "
          "| peak MiB: kite fp32, kite int8, ORT int8 |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, threads, med, peak in rows:
        print(f"| {name} | {threads} | {med['fp32']:.2f} | {med['int8']:.2f} | {med['ort']:.2f} | "
              f"{med['int8'] / med['fp32']:.2f} | {med['int8'] / med['ort']:.2f} | "
              f"{peak['fp32'] / mib:.0f}, {peak['int8'] / mib:.0f}, {peak['ort'] / mib:.0f} |")


def p_default_models():
    return ",".join(["mobilenet_v1"] + TORCHVISION)


if __name__ == "__main__":
    main()
