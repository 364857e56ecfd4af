#!/usr/bin/env bash
# End-to-end tests of the kite command line: outputs, exit codes (0 ok, 1 error, 2 usage),
# error messages, and that nothing is left behind or overwritten without --force.
# Usage: tests/cli/test_cli.sh KITE_BINARY
set -u
kite=$(realpath "${1:?usage: test_cli.sh KITE_BINARY}")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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
check "run --stats" 0 "first run .* steady state .* peak memory" -- "$kite" run "$fx/tiny.onnx" --input "$fx/image.npy" --stats --threads 2
check "bench" 0 "tiny.onnx .* [0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$" -- "$kite" bench "$fx/tiny.onnx" --loops 3 --warmup 1
check "bench --json" 0 '"median_ms":[0-9.]+.*"peak_bytes":[0-9]+' -- "$kite" bench "$fx/tiny.onnx" --loops 2 --json --threads 1
check "bench of a missing model" 1 "does not exist" -- "$kite" bench nothing.onnx
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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
