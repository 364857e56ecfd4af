#!/usr/bin/env bash
# Every zoo model at default knobs, and the design ablations, exported to ONNX: the file must
# pass onnx.checker, and ONNX Runtime (npm onnxruntime-node, scripts/ort) must give kite's
# outputs (max|diff| <= 1e-4 max|ref|, same top-1). The .kite export must give kite's outputs
# bit for bit. Usage: tests/zoo/test_zoo_vs_ort.sh KITE_BINARY
set -u
kite=$(realpath "${1:?usage: test_zoo_vs_ort.sh KITE_BINARY}")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -d "$root/scripts/ort/node_modules/onnxruntime-node" ] || { echo "onnxruntime-node is not installed: run scripts/setup.sh"; exit 1; }

specs=(
  mobilenet_v1 mobilenet_v2 resnet googlenet inception_v3 xception squeezenet shufflenet_v1 shufflenet_v2
  'mobilenet_v1?alpha=0.5&resolution=160' 'mobilenet_v2?bottleneck=relu6&alpha=0.75' 'resnet?depth=18&shortcut=A'
  'resnet?depth=34&shortcut=C' 'resnet?depth=50&stride_in=1x1' 'googlenet?lrn=on&branch3=5x5' 'inception_v3?factorize=off'
  'squeezenet?version=1.0' 'shufflenet_v1?groups=8' 'shufflenet_v2?scale=0.5'
)
passed=0
failed=0
for spec in "${specs[@]}"; do
  onnx="$work/model.onnx"
  rm -rf "$work"/out* "$work"/model.*
  if ! "$kite" zoo export "$spec" -o "$onnx" >/dev/null 2>"$work/err" ||
     ! "$kite" zoo export "$spec" -o "$work/model.kite" >/dev/null 2>>"$work/err"; then
    echo "FAIL: $spec: export: $(cat "$work/err")"; failed=$((failed + 1)); continue
  fi
  /usr/bin/python3 - "$onnx" "$work/input.npy" <<'PY' || { echo "FAIL: $spec: onnx.checker"; failed=$((failed + 1)); continue; }
import sys
import numpy as np
import onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
dims = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
np.save(sys.argv[2], np.random.default_rng(0).standard_normal(dims).astype(np.float32))
PY
  if ! "$kite" run "$onnx" --input "$work/input.npy" -o "$work/out_onnx" >/dev/null 2>"$work/err" ||
     ! "$kite" run "$work/model.kite" --input "$work/input.npy" -o "$work/out_kite" >/dev/null 2>>"$work/err" ||
     ! node "$root/scripts/ort/run_model.js" "$onnx" "$work/input.npy" "$work/ort.npy" 2>>"$work/err"; then
    echo "FAIL: $spec: run: $(cat "$work/err")"; failed=$((failed + 1)); continue
  fi
  if result=$(/usr/bin/python3 "$root/tests/zoo/compare_outputs.py" "$work"/out_onnx/*.npy "$work/ort.npy") &&
     cmp -s "$work"/out_onnx/*.npy "$work"/out_kite/*.npy; then
    echo "ok: $spec: $result"; passed=$((passed + 1))
  else
    echo "FAIL: $spec: $result (or .kite differs from .onnx)"; failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
