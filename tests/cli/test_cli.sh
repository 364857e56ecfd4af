#!/usr/bin/env bash
# End-to-end tests of the kite command line: outputs, exit codes (0 ok, 1 error, 2 usage),
# error messages, and that nothing is left behind or overwritten without --force.
# Usage: tests/cli/test_cli.sh KITE_BINARY
# A KITE_BINARY built for another CPU runs through the command in KITE_EMULATOR (e.g.
# "qemu-aarch64 -L /usr/aarch64-linux-gnu"), which kite bench also uses for its measuring process.
set -u
kite=$(realpath "${1:?usage: test_cli.sh KITE_BINARY}")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "${KITE_EMULATOR:-}" ]; then
  printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$KITE_EMULATOR" "$kite" >"$work/kite"
  chmod +x "$work/kite"
  kite="$work/kite"
fi
fx="$work/fx"
/usr/bin/python3 "$here/make_cli_fixtures.py" "$fx" || { echo "cannot make fixtures"; exit 1; }
cd "$work"

passed=0
failed=0
# check NAME EXPECTED_CODE GREP_PATTERN -- COMMAND...: exit code and a pattern in stdout+stderr.
check() {
  local name=$1 want=$2 pattern=$3
  shift 4
  local out code
  out=$("$@" 2>&1)
  code=$?
  if [ "$code" -eq "$want" ] && { [ -z "$pattern" ] || grep -qE -- "$pattern" <<<"$out"; }; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name (exit $code, want $want; pattern '$pattern')"
    echo "$out" | head -5 | sed 's/^/    /'
  fi
}
# expect NAME CONDITION...: a plain assertion.
expect() {
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
not() { ! "$@"; }
npy_equal() { /usr/bin/python3 -c "import numpy as np,sys; a,b=np.load(sys.argv[1]),np.load(sys.argv[2]); sys.exit(0 if a.shape==b.shape and (a==b).all() else 1)" "$1" "$2"; }

# --- run
check "run writes outputs" 0 "" -- "$kite" run "$fx/tiny.onnx" --input "$fx/image.npy" --output-dir out1
expect "output file is named after the output" test -f out1/scores.npy
check "run by input name" 0 "" -- "$kite" run "$fx/tiny.onnx" --input "image=$fx/image.npy" --output-dir out2
expect "named and positional inputs agree" npy_equal out1/scores.npy out2/scores.npy
check "two inputs" 0 "" -- "$kite" run "$fx/two_inputs.onnx" --input "a=$fx/a.npy" --input "b=$fx/b.npy" -o sum
expect "two-input result" /usr/bin/python3 -c "import numpy as np; s=np.load('sum/sum.npy'); assert (s==np.arange(6).reshape(2,3)+10).all()"
check "unnamed input on a two-input model" 1 "name each one" -- "$kite" run "$fx/two_inputs.onnx" --input "$fx/a.npy"
check "unknown input name" 1 "no input named 'imag' \(its inputs: image\)" -- "$kite" run "$fx/tiny.onnx" --input "imag=$fx/image.npy"
check "unknown input name, two inputs" 1 "no input named 'c' \(its inputs: a, b\)" -- "$kite" run "$fx/two_inputs.onnx" --input "a=$fx/a.npy" --input "c=$fx/b.npy"
check "missing input" 1 "input 'b' is missing" -- "$kite" run "$fx/two_inputs.onnx" --input "a=$fx/a.npy"
check "existing output refused" 1 "exists; pass --force" -- "$kite" run "$fx/tiny.onnx" --input "$fx/image.npy" --output-dir out1
check "existing output with --force" 0 "" -- "$kite" run "$fx/tiny.onnx" --input "$fx/image.npy" --output-dir out1 --force
check "wrong shape" 1 "must have shape \[1, 3, 8, 8\], got \[1, 3, 9, 9\]" -- "$kite" run "$fx/tiny.onnx" --input "$fx/wrong_shape.npy" --output-dir bad1
expect "no partial output after an error" test ! -e bad1/scores.npy
check "wrong dtype" 1 "must be f32, got s64" -- "$kite" run "$fx/tiny.onnx" --input "$fx/int64.npy"
check "input not a .npy" 1 "not a .npy file" -- "$kite" run "$fx/tiny.onnx" --input "$fx/labels.txt"
check "input file missing" 1 "does not exist" -- "$kite" run "$fx/tiny.onnx" --input nothing.npy
check "image input and top-k with labels" 0 "^ 1 .*(cat|dog|bird|fish|frog)" -- "$kite" run "$fx/tiny.onnx" --input "$fx/photo.png" --top 3 --labels "$fx/labels.txt"
check "run --stats" 0 "first run .* steady state .* peak memory .* arena" -- "$kite" run "$fx/tiny.onnx" --input "$fx/image.npy" --stats --threads 2
check "run --profile: time per operator" 0 "ms/run.*share" -- "$kite" run "$fx/tiny.onnx" --input "$fx/image.npy" --profile
check "run --profile: the slowest nodes" 0 "slowest nodes:" -- "$kite" run "$fx/tiny.onnx" --input "$fx/image.npy" --profile
check "run --profile: the first run left out" 0 "per run over 10 runs" -- "$kite" run "$fx/tiny.onnx" --input "$fx/image.npy" --profile
check "bench" 0 "tiny.onnx .* [0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$" -- "$kite" bench "$fx/tiny.onnx" --loops 3 --warmup 1
check "bench --json" 0 '"median_ms":[0-9.]+.*"peak_bytes":[0-9]+' -- "$kite" bench "$fx/tiny.onnx" --loops 2 --json --threads 1
check "bench of a missing model" 1 "does not exist" -- "$kite" bench nothing.onnx
check "bench --precision fp16 --json" 0 '"precision":"fp16"' -- "$kite" bench "$fx/tiny.onnx" --loops 2 --json --precision fp16
check "bench --precision fp16, table" 0 "tiny.onnx \(fp16\) .* [0-9.]+$" -- "$kite" bench "$fx/tiny.onnx" --loops 2 --precision fp16
check "bench --precision int8 quantizes, and says how" 0 "random inputs" -- "$kite" bench "$fx/tiny.onnx" --loops 2 --precision int8
check "bench unknown precision" 2 "must be fp32, fp16 or int8, got 'fp8'" -- "$kite" bench "$fx/tiny.onnx" --precision fp8
check "top-k prints k rows" 0 "^ 3 " -- "$kite" run "$fx/tiny.onnx" --input "$fx/image.npy" --top 3
check "top-k ranks NaN scores last" 0 "^ 1 +2 +15" -- "$kite" run "$fx/two_inputs.onnx" --input "a=$fx/a_nan.npy" --input "b=$fx/b.npy" --top 1
check "--labels needs --top" 2 "" -- "$kite" run "$fx/tiny.onnx" --input "$fx/image.npy" --labels "$fx/labels.txt"
check "bad --std" 1 "must not be 0" -- "$kite" run "$fx/tiny.onnx" --input "$fx/photo.png" --std 0 1 1
check "corrupt image" 1 "cannot decode image" -- bash -c "cp '$fx/labels.txt' fake.png && '$kite' run '$fx/tiny.onnx' --input fake.png"

check "outputs whose file names clash" 0 "" -- "$kite" run "$fx/clashing_outputs.onnx" --input "$fx/x4.npy" -o clash
expect "clashing outputs both written" /usr/bin/python3 -c "
import glob, numpy as np
files = sorted(glob.glob('clash/*.npy'))
assert len(files) == 2, files
got = sorted(tuple(np.load(f)) for f in files)
assert got == [(-1, 2, -3, 4), (0, 2, 0, 4)], got"

# --- bad models
check "truncated model" 1 "not a valid ONNX model" -- "$kite" run "$fx/truncated.onnx" --input "$fx/image.npy"
check "unsupported ops listed at once" 1 "Celu \(node 'celu'\); Erf \(nodes 'erf1', 'erf2'\)" -- "$kite" info "$fx/unsupported.onnx"
check "model missing" 1 "does not exist" -- "$kite" info nothing.onnx
check "random bytes" 1 "error" -- bash -c "head -c 4096 /dev/urandom > random.bin; '$kite' info random.bin"

# --- usage errors
check "no subcommand" 2 "" -- "$kite"
check "run without model" 2 "" -- "$kite" run
check "unknown option" 2 "" -- "$kite" info "$fx/tiny.onnx" --bogus
check "help" 0 "Usage" -- "$kite" --help

# --- info
check "info table" 0 "params +[0-9]+" -- "$kite" info "$fx/tiny.onnx"
check "info json" 0 "" -- bash -c "'$kite' info '$fx/tiny.onnx' --json > info.json"
expect "info json fields" /usr/bin/python3 -c "
import json; d=json.load(open('info.json'))
assert d['params'] == 4*3*3*3 + 5*4, d['params']
assert d['macs'] == 4*8*8*27 + 20, d['macs']
assert [l['op'] for l in d['layers']] == ['Conv','Relu','GlobalAveragePool','Flatten','Gemm']
assert d['layers'][0]['output_shape'] == [1,4,8,8]"

# --- convert: .kite gives identical results
check "convert" 0 "wrote" -- "$kite" convert "$fx/tiny.onnx" -o tiny.kite
check "convert refuses to overwrite" 1 "exists; pass --force" -- "$kite" convert "$fx/tiny.onnx" -o tiny.kite
check "convert into a missing folder" 1 "cannot write 'nodir/x.kite': No such file" -- "$kite" convert "$fx/tiny.onnx" -o nodir/x.kite
check "convert onto its input" 1 "is the input file" -- "$kite" convert tiny.kite -o tiny.kite --force
check "run .kite" 0 "" -- "$kite" run tiny.kite --input "$fx/image.npy" --output-dir out3
expect ".kite and .onnx outputs identical" npy_equal out1/scores.npy out3/scores.npy
check "info .kite" 0 "" -- bash -c "'$kite' info tiny.kite --json > info_kite.json"
expect ".kite and .onnx info identical" cmp -s info.json info_kite.json
check "truncated .kite" 1 "truncated|corrupt" -- bash -c "head -c 300 tiny.kite > cut.kite; '$kite' info cut.kite"

# --- fp16: convert --fp16 stores the weights as fp16; run --precision fp16 rounds them the same way
check "convert --fp16" 0 "wrote tiny16.kite: .* with fp32 weights; 2 weight tensors as fp16" -- "$kite" convert "$fx/tiny.onnx" -o tiny16.kite --fp16
# (--precision fp16 also asks for fp16 arithmetic, which only ARMv8.2 CPUs have; compared runs
# either both ask for it or both do not.)
check "run an fp16 .kite" 0 "" -- "$kite" run tiny16.kite --input "$fx/image.npy" --output-dir out_kite16
check "run --precision fp16" 0 "" -- bash -c "'$kite' run '$fx/tiny.onnx' --input '$fx/image.npy' --output-dir out_fp16 --precision fp16 2> fp16_note.txt; code=\$?; cat fp16_note.txt >&2; exit \$code"
if grep -q "no fp16 arithmetic" fp16_note.txt; then
  expect "no fp16 arithmetic here: --precision fp16 is the fp16 weights in fp32" npy_equal out_kite16/scores.npy out_fp16/scores.npy
else
  expect "fp16 arithmetic here: --precision fp16 is not the fp16 weights in fp32" not npy_equal out_kite16/scores.npy out_fp16/scores.npy
fi
check "run an fp16 .kite --precision fp16 (already fp16)" 0 "" -- "$kite" run tiny16.kite --input "$fx/image.npy" --output-dir out_kite16b --precision fp16
expect "an fp16 .kite and --precision fp16 give identical outputs (rounding again changes nothing)" \
  npy_equal out_fp16/scores.npy out_kite16b/scores.npy
expect "an fp16 .kite runs close to fp32" /usr/bin/python3 -c "
import numpy as np; a, b = np.load('out_kite16/scores.npy'), np.load('out1/scores.npy')
assert np.allclose(a, b, rtol=1e-2, atol=1e-2), (a, b)"
expect "fp16 outputs close to fp32's, not equal (the weights were rounded)" /usr/bin/python3 -c "
import numpy as np; a, b = np.load('out_fp16/scores.npy'), np.load('out1/scores.npy')
assert np.allclose(a, b, rtol=1e-2, atol=1e-2) and not (a == b).all(), (a, b)"
check "run --precision int8" 0 "random inputs" -- "$kite" run "$fx/tiny.onnx" --input "$fx/image.npy" --precision int8
check "run unknown precision" 2 "must be fp32, fp16 or int8, got 'bogus'" -- "$kite" run "$fx/tiny.onnx" --input "$fx/image.npy" --precision bogus

# --- eval: the trained Fashion-MNIST models (models/fashion_mnist) on Debian's dataset-fashion-mnist
fm_models="$here/../../models/fashion_mnist"
fm_data=/usr/share/datasets/fashion-mnist
# top1_matches_pytorch RESULT.json METADATA.json: kite's fp32 top-1 within 0.001 of PyTorch's.
top1_matches_pytorch() {
  /usr/bin/python3 -c "
import json, sys
kite, meta = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print(f\"    {sys.argv[2].split('/')[-1]}: kite {kite['top1']:.4f}, PyTorch {meta['pytorch_top1']:.4f}\")
sys.exit(0 if kite['samples'] == 10000 and abs(kite['top1'] - meta['pytorch_top1']) <= 0.001 else 1)" "$1" "$2"
}
# top1_within_a_tenth A.json B.json: two kite results within 0.001 (10 images) of each other.
top1_within_a_tenth() {
  /usr/bin/python3 -c "
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print(f\"    {sys.argv[1]}: {a['top1']:.4f} against {b['top1']:.4f}\")
sys.exit(0 if a['samples'] == b['samples'] and abs(a['top1'] - b['top1']) <= 0.001 else 1)" "$1" "$2"
}
for model in mobilenet_v2_fm resnet_fm; do
  if [ -n "${KITE_EMULATOR:-}" ]; then
    # Emulated, 10,000 images take too long: 100 images, in fp32 and in fp16 (fp16 arithmetic on a
    # CPU model that has it), whose top-1 may differ by one image.
    check "eval $model (emulated, 100 images)" 0 '^\{"top1": [0-9.]+, "samples": 100, "precision": "fp32"\}$' -- \
      bash -c "set -o pipefail; '$kite' eval '$fm_models/$model.onnx' --dataset 'fashion-mnist:$fm_data' --limit 100 --json | tee eval_$model.json"
    check "eval $model --precision fp16 (emulated, 100 images)" 0 "" -- bash -c \
      "'$kite' eval '$fm_models/$model.onnx' --dataset 'fashion-mnist:$fm_data' --limit 100 --precision fp16 --json > eval16_$model.json"
    expect "eval $model: fp16 top-1 within one image of fp32 (emulated)" /usr/bin/python3 -c "
import json, sys
a, b = json.load(open('eval16_$model.json')), json.load(open('eval_$model.json'))
print(f\"    fp16 {a['top1']:.2f} against fp32 {b['top1']:.2f} over {a['samples']} images\")
sys.exit(0 if a['samples'] == b['samples'] == 100 and abs(a['top1'] - b['top1']) <= 0.0101 else 1)"
    continue
  fi
  check "eval $model --json" 0 "" -- bash -c "'$kite' eval '$fm_models/$model.onnx' --dataset 'fashion-mnist:$fm_data' --json > eval_$model.json"
  expect "eval $model: the documented JSON keys" grep -qE '^\{"top1": 0\.[0-9]+, "samples": 10000' "eval_$model.json"
  expect "eval $model: top-1 matches PyTorch's" top1_matches_pytorch "eval_$model.json" "$fm_models/$model.json"
  check "eval $model --precision fp16" 0 "" -- bash -c "'$kite' eval '$fm_models/$model.onnx' --dataset 'fashion-mnist:$fm_data' --precision fp16 --json > eval16_$model.json"
  expect "eval $model: fp16 says so" grep -qE '"samples": 10000, "precision": "fp16"\}$' "eval16_$model.json"
  expect "eval $model: fp16 top-1 within 0.1 points of fp32" top1_within_a_tenth "eval16_$model.json" "eval_$model.json"
done
check "eval prints one human line" 0 "^top-1 [0-9]+\.[0-9]{2}% over 20 images \(fp32\)$" -- \
  "$kite" eval "$fm_models/mobilenet_v2_fm.onnx" --dataset "fashion-mnist:$fm_data" --limit 20 --threads 1
# A .kite copy has no metadata file next to it: the defaults are said on stderr, --mean/--std given.
check "convert the MobileNet to .kite" 0 "" -- "$kite" convert "$fm_models/mobilenet_v2_fm.onnx" -o fm.kite
check "eval without metadata says its default" 0 "no metadata file fm.json; by default normalizing with mean 0.2860" -- \
  "$kite" eval fm.kite --dataset "fashion-mnist:$fm_data" --limit 20
check "eval .kite with --mean and --std" 0 "" -- bash -c "'$kite' eval fm.kite --dataset 'fashion-mnist:$fm_data' --limit 100 --mean 0.2860 --std 0.3530 --json > eval_kite.json 2> eval_kite.err"
check "eval .onnx, same images" 0 "" -- bash -c "'$kite' eval '$fm_models/mobilenet_v2_fm.onnx' --dataset 'fashion-mnist:$fm_data' --limit 100 --json > eval_onnx.json"
expect "eval .kite and .onnx agree" cmp -s eval_kite.json eval_onnx.json
expect "eval with both flags needs no metadata" test ! -s eval_kite.err
# int8: quantized on real images (Fashion-MNIST's training set), then evaluated on the test set.
check "quantize the ResNet (minmax)" 0 "wrote fm_int8.kite" -- "$kite" quantize "$fm_models/resnet_fm.onnx" -o fm_int8.kite \
  --calib "$fm_data/train-images-idx3-ubyte.gz" --samples 64 --export-onnx fm_int8.onnx
expect "quantize copies the metadata" test -s fm_int8.json
expect "the int8 .kite is much smaller" test "$(stat -c %s fm_int8.kite)" -lt "$(( $(stat -c %s "$fm_models/resnet_fm.onnx") * 4 / 10 ))"
check "quantize refuses to overwrite" 1 "exists" -- "$kite" quantize "$fm_models/resnet_fm.onnx" -o fm_int8.kite \
  --calib "$fm_data/train-images-idx3-ubyte.gz" --samples 8
cp "$fm_models/resnet_fm.onnx" "$fm_models/resnet_fm.json" .
check "quantize next to the input: its own metadata file is not overwritten" 0 "wrote resnet_fm.kite" -- \
  "$kite" quantize resnet_fm.onnx -o resnet_fm.kite --calib "$fm_data/train-images-idx3-ubyte.gz" --samples 4
expect "the input's metadata file is intact" cmp -s resnet_fm.json "$fm_models/resnet_fm.json"
check "quantize -o and --export-onnx the same file" 1 "name the same file" -- "$kite" quantize "$fm_models/resnet_fm.onnx" \
  -o same.kite --export-onnx same.kite --calib "$fm_data/train-images-idx3-ubyte.gz"
check "quantize with kl" 0 "kl calibration" -- "$kite" quantize "$fm_models/resnet_fm.onnx" -o fm_kl.kite \
  --calib "$fm_data/train-images-idx3-ubyte.gz" --samples 16 --method kl
check "quantize with percentile" 0 "percentile calibration" -- "$kite" quantize "$fm_models/resnet_fm.onnx" -o fm_pc.kite \
  --calib "$fm_data/train-images-idx3-ubyte.gz" --samples 16 --method percentile --percentile 99.9
check "quantize with 7-bit weights" 0 "wrote fm_w7.kite" -- "$kite" quantize "$fm_models/resnet_fm.onnx" -o fm_w7.kite \
  --calib "$fm_data/train-images-idx3-ubyte.gz" --samples 16 --weight-bits 7
check "quantize with 6-bit weights is refused" 2 "" -- "$kite" quantize "$fm_models/resnet_fm.onnx" -o fm_x.kite \
  --calib "$fm_data/train-images-idx3-ubyte.gz" --weight-bits 6
check "quantize an unknown method" 2 "" -- "$kite" quantize "$fm_models/resnet_fm.onnx" -o fm_x.kite \
  --calib "$fm_data/train-images-idx3-ubyte.gz" --method median
check "quantize --exclude an unknown node" 1 "no node named 'nope'" -- "$kite" quantize "$fm_models/resnet_fm.onnx" -o fm_x.kite \
  --calib "$fm_data/train-images-idx3-ubyte.gz" --samples 4 --exclude nope
check "quantize a missing calibration source" 1 "does not exist" -- "$kite" quantize "$fm_models/resnet_fm.onnx" -o fm_x.kite \
  --calib nowhere.idx
check "eval the int8 model" 0 "" -- bash -c "'$kite' eval fm_int8.kite --dataset 'fashion-mnist:$fm_data' --limit 300 --json > eval_int8.json"
check "eval the fp32 model, same images" 0 "" -- bash -c "'$kite' eval '$fm_models/resnet_fm.onnx' --dataset 'fashion-mnist:$fm_data' --limit 300 --json > eval_fp32.json"
expect "int8 top-1 within 2 points of fp32 on 300 images" /usr/bin/python3 -c "
import json; a = json.load(open('eval_int8.json'))['top1']; b = json.load(open('eval_fp32.json'))['top1']
assert a >= b - 0.02, (a, b)"
check "compare fp32 with int8, worst first" 0 "tensors compared" -- "$kite" compare "$fm_models/resnet_fm.onnx" fm_int8.kite \
  --input "$fm_data/t10k-images-idx3-ubyte.gz" --top 3
check "compare --json" 0 '"sqnr_db"' -- "$kite" compare "$fm_models/resnet_fm.onnx" fm_int8.kite --json --top 1
check "compare a model with itself: identical" 0 '"cosine":1.0' -- "$kite" compare "$fm_models/resnet_fm.onnx" "$fm_models/resnet_fm.onnx" --json --top 1
check "compare a missing model" 1 "does not exist" -- "$kite" compare "$fm_models/resnet_fm.onnx" nowhere.kite
check "quantize --max-drop keeps layers in fp32 until the drop fits" 0 "kept .* in fp32" -- "$kite" quantize \
  "$fm_models/mobilenet_v2_fm.onnx" -o fm_mixed.kite --calib "$fm_data/train-images-idx3-ubyte.gz" --samples 32 \
  --max-drop 0 --eval "fashion-mnist:$fm_data" --eval-limit 100
check "quantize --max-drop needs --eval" 2 "" -- "$kite" quantize "$fm_models/resnet_fm.onnx" -o fm_x.kite \
  --calib "$fm_data/train-images-idx3-ubyte.gz" --max-drop 1
check "the exported QDQ ONNX loads and runs in kite" 0 "" -- bash -c "'$kite' eval fm_int8.onnx --dataset 'fashion-mnist:$fm_data' --limit 100 --mean 0.2860 --std 0.3530 --json"
check "convert the MobileNet to an fp16 .kite" 0 "" -- "$kite" convert "$fm_models/mobilenet_v2_fm.onnx" -o fm16.kite --fp16
expect "the fp16 .kite is much smaller" test "$(stat -c %s fm16.kite)" -lt "$(( $(stat -c %s fm.kite) * 6 / 10 ))"
check "eval an fp16 .kite" 0 "" -- bash -c "'$kite' eval fm16.kite --dataset 'fashion-mnist:$fm_data' --limit 100 --mean 0.2860 --std 0.3530 --precision fp16 --json > eval_kite16.json"
check "eval .onnx --precision fp16, same images" 0 "" -- bash -c "'$kite' eval '$fm_models/mobilenet_v2_fm.onnx' --dataset 'fashion-mnist:$fm_data' --limit 100 --precision fp16 --json > eval_onnx16.json"
expect "eval fp16 .kite and .onnx --precision fp16 agree" cmp -s eval_kite16.json eval_onnx16.json
check "eval unknown precision" 2 "must be fp32, fp16 or int8" -- \
  "$kite" eval "$fm_models/mobilenet_v2_fm.onnx" --dataset "fashion-mnist:$fm_data" --precision bf16
check "eval unknown dataset" 2 "must be fashion-mnist:DIR" -- "$kite" eval "$fm_models/mobilenet_v2_fm.onnx" --dataset "mnist:$fm_data"
check "eval without --dataset" 2 "" -- "$kite" eval "$fm_models/mobilenet_v2_fm.onnx"
check "eval of a missing dataset folder" 1 "dataset folder 'nodir' does not exist" -- \
  "$kite" eval "$fm_models/mobilenet_v2_fm.onnx" --dataset fashion-mnist:nodir
# Fixtures: small IDX test sets (plain and gzipped) that are wrong in one way each, a model that
# gives one score instead of ten, and the MobileNet with a fixed batch of 4.
FM_MODELS="$fm_models" /usr/bin/python3 - <<'EOF'
import gzip, os
def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims) + bytes(data)
def write(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(content)
write("fm_mismatch/t10k-images-idx3-ubyte", idx([3, 28, 28], [0] * 3 * 784))
write("fm_mismatch/t10k-labels-idx1-ubyte.gz", gzip.compress(idx([2], [1, 2])))
write("fm_nolabels/t10k-images-idx3-ubyte.gz", gzip.compress(idx([3, 28, 28], [0] * 3 * 784)))
write("fm_badlabel/t10k-images-idx3-ubyte", idx([2, 28, 28], [0] * 2 * 784))
write("fm_badlabel/t10k-labels-idx1-ubyte", idx([2], [3, 10]))
write("fm_cut/t10k-images-idx3-ubyte.gz", gzip.compress(idx([3, 28, 28], [0] * 3 * 784))[:-20])
write("fm_cut/t10k-labels-idx1-ubyte", idx([3], [1, 2, 3]))
# Takes 1x1x28x28 but gives one score, not ten.
import onnx
from onnx import TensorProto, helper
graph = helper.make_graph(
    [helper.make_node("GlobalAveragePool", ["input"], ["pooled"]), helper.make_node("Flatten", ["pooled"], ["score"])],
    "one_score", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 28, 28])],
    [helper.make_tensor_value_info("score", TensorProto.FLOAT, [1, 1])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "one_score.onnx")
# The MobileNet with a fixed batch of 4: evaluated 4 images per run.
batched = onnx.load(os.path.join(os.environ["FM_MODELS"], "mobilenet_v2_fm.onnx"))
for value in (batched.graph.input[0], batched.graph.output[0]):
    value.type.tensor_type.shape.dim[0].dim_value = 4
onnx.save(batched, "fm_batch4.onnx")
EOF
check "eval in batches of 4, the last one partial" 0 "" -- bash -c "'$kite' eval fm_batch4.onnx --dataset 'fashion-mnist:$fm_data' --limit 101 --mean 0.2860 --std 0.3530 --json > eval_batch4.json"
check "eval one at a time" 0 "" -- bash -c "'$kite' eval '$fm_models/mobilenet_v2_fm.onnx' --dataset 'fashion-mnist:$fm_data' --limit 101 --json > eval_batch1.json"
expect "eval: batches of 4 and of 1 agree" cmp -s eval_batch4.json eval_batch1.json
check "eval: label and image counts differ" 1 "t10k-labels-idx1-ubyte.gz has 2 labels for 3 images" -- \
  "$kite" eval "$fm_models/mobilenet_v2_fm.onnx" --dataset fashion-mnist:fm_mismatch
check "eval: labels missing" 1 "has no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz" -- \
  "$kite" eval "$fm_models/mobilenet_v2_fm.onnx" --dataset fashion-mnist:fm_nolabels
check "eval: label out of range" 1 "label 10 of image 1 is not a class from 0 to 9" -- \
  "$kite" eval "$fm_models/mobilenet_v2_fm.onnx" --dataset fashion-mnist:fm_badlabel
check "eval: truncated gzip" 1 "t10k-images-idx3-ubyte.gz: truncated gzip data" -- \
  "$kite" eval "$fm_models/mobilenet_v2_fm.onnx" --dataset fashion-mnist:fm_cut
check "eval: model input is not 1x28x28" 1 "input 'image' is f32 \[1, 3, 8, 8\]; Fashion-MNIST needs" -- \
  "$kite" eval "$fx/tiny.onnx" --dataset "fashion-mnist:$fm_data" --limit 5
check "eval: model gives one score, not ten" 1 "output 'score' is f32 \[1, 1\]; Fashion-MNIST needs 10 f32 class scores" -- \
  "$kite" eval one_score.onnx --dataset "fashion-mnist:$fm_data" --limit 5 --mean 0 --std 1
check "eval: missing model" 1 "does not exist" -- "$kite" eval nothing.onnx --dataset "fashion-mnist:$fm_data"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
