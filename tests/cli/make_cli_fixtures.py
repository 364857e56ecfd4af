#!/usr/bin/python3
"""Writes the small files the CLI tests use into OUT_DIR: a one-input image model, a two-input
model, a model with operators kite lacks, an image, .npy inputs and a labels file."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)


def save(model, name):
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, name))


# image [1,3,8,8] -> Conv(4) -> Relu -> GlobalAveragePool -> Flatten -> Gemm(5) -> "scores"
w = numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "w")
fc = numpy_helper.from_array(rng.standard_normal((5, 4)).astype(np.float32), "fc")
graph = helper.make_graph(
    [
        helper.make_node("Conv", ["image", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("GlobalAveragePool", ["r"], ["p"], name="pool"),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fc"], ["scores"], name="fc", transB=1),
    ],
    "tiny",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 8, 8])],
    [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 5])],
    [w, fc],
)
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "tiny.onnx")

# Two inputs: sum = a + b
graph = helper.make_graph(
    [helper.make_node("Add", ["a", "b"], ["sum"], name="add")],
    "two_inputs",
    [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3]),
     helper.make_tensor_value_info("b", TensorProto.FLOAT, [2, 3])],
    [helper.make_tensor_value_info("sum", TensorProto.FLOAT, [2, 3])],
)
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "two_inputs.onnx")

# Two outputs whose names make the same file name ("out/a" and "out_a" -> out_a.npy).
graph = helper.make_graph(
    [helper.make_node("Relu", ["x"], ["out/a"], name="relu"),
     helper.make_node("Identity", ["x"], ["out_a"], name="identity")],
    "clashing_outputs",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
    [helper.make_tensor_value_info("out/a", TensorProto.FLOAT, [4]),
     helper.make_tensor_value_info("out_a", TensorProto.FLOAT, [4])],
)
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "clashing_outputs.onnx")

# Operators kite does not implement, in two nodes each.
graph = helper.make_graph(
    [helper.make_node("Erf", ["x"], ["e1"], name="erf1"),
     helper.make_node("Erf", ["e1"], ["e2"], name="erf2"),
     helper.make_node("Celu", ["e2"], ["y"], name="celu")],
    "unsupported",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
)
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "unsupported.onnx")

np.save(os.path.join(out, "image.npy"), rng.standard_normal((1, 3, 8, 8)).astype(np.float32))
np.save(os.path.join(out, "wrong_shape.npy"), rng.standard_normal((1, 3, 9, 9)).astype(np.float32))
np.save(os.path.join(out, "int64.npy"), np.zeros((1, 3, 8, 8), dtype=np.int64))
np.save(os.path.join(out, "a.npy"), np.arange(6, dtype=np.float32).reshape(2, 3))
np.save(os.path.join(out, "b.npy"), np.full((2, 3), 10, dtype=np.float32))
np.save(os.path.join(out, "a_nan.npy"), np.array([[np.nan, 1, 5], [np.nan, 2, 0]], dtype=np.float32))
np.save(os.path.join(out, "x4.npy"), np.array([-1, 2, -3, 4], dtype=np.float32))
Image.fromarray(rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)).save(os.path.join(out, "photo.png"))
with open(os.path.join(out, "labels.txt"), "w") as f:
    f.write("cat\ndog\nbird\nfish\nfrog\n")
with open(os.path.join(out, "truncated.onnx"), "wb") as f:
    f.write(open(os.path.join(out, "tiny.onnx"), "rb").read()[:200])
