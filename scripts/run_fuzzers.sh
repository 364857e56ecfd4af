#!/usr/bin/env bash
# Runs each loader's libFuzzer target from a seed corpus of real files, for a fixed number of
# inputs (KITE_FUZZ_RUNS, default 600000) with a fixed random seed (KITE_FUZZ_SEED, default 1),
# capped at SECONDS_PER_TARGET: a run is reproducible, so what passes here passes in CI, and a
# longer exploration is one variable away (KITE_FUZZ_RUNS=-1, another KITE_FUZZ_SEED).
# Usage: scripts/run_fuzzers.sh FUZZ_BUILD_DIR [SECONDS_PER_TARGET]
# Fails if a target finds a crash, a sanitizer report, a leak, a timeout or an out-of-memory;
# the input is kept as FUZZ_BUILD_DIR/findings/<target>/crash-* for turning into a test under
# tests/data/fuzz_regressions/.
set -euo pipefail
build=${1:?usage: run_fuzzers.sh FUZZ_BUILD_DIR [SECONDS]}
seconds=${2:-60}
data=${KITE_ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$build/fuzz_corpus"
rm -rf "$corpus"
mkdir -p "$corpus/onnx" "$corpus/kite" "$corpus/npy"

# Seeds: small ONNX test models, their .kite conversions, and .npy files of a few dtypes/ranks.
for t in test_conv_with_strides_padding test_relu test_maxpool_2d_pads test_gemm_default_matrix_bias \
         test_concat_2d_axis_0 test_reshape_negative_dim test_resize_upsample_scales_linear test_slice; do
  [ -f "$data/node/$t/model.onnx" ] && cp "$data/node/$t/model.onnx" "$corpus/onnx/$t.onnx"
done
for f in "$corpus"/onnx/*.onnx; do
  "$build/kite" convert "$f" -o "$corpus/kite/$(basename "$f" .onnx).kite" >/dev/null 2>&1 || true
done
cp "$root"/tests/data/fuzz_regressions/onnx/* "$corpus/onnx/" 2>/dev/null || true
cp "$root"/tests/data/fuzz_regressions/kite/* "$corpus/kite/" 2>/dev/null || true
cp "$root"/tests/data/npy/*.npy "$corpus/npy/" 2>/dev/null || true
cp "$root"/tests/data/fuzz_regressions/npy/* "$corpus/npy/" 2>/dev/null || true

status=0
for pair in fuzz_onnx_loader:onnx fuzz_kite_loader:kite fuzz_npy_reader:npy; do
  target=${pair%%:*}
  kind=${pair##*:}
  findings="$build/findings/$target"
  mkdir -p "$findings"
  echo "fuzzing $target for ${seconds}s"
  if ! "$build/fuzz/$target" "$corpus/$kind" -seed="${KITE_FUZZ_SEED:-1}" -runs="${KITE_FUZZ_RUNS:-600000}" \
       -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
       -artifact_prefix="$findings/" -print_final_stats=1 >"$findings/log.txt" 2>&1; then
    echo "FINDING in $target:"; tail -40 "$findings/log.txt"; status=1
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$findings/log.txt" | sed "s/^/  /"
  fi
done
exit $status
