#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. release build: unit tests, ONNX backend conformance, torchvision networks vs PyTorch, CLI;
#   2. clang ASan+UBSan build: unit, conformance and CLI tests again, then each loader's
#      libFuzzer target (a fixed number of inputs from a fixed seed, at most KITE_FUZZ_SECONDS, default 60, each);
#   3. ARM64: a cross build whose tests run under qemu with two CPU models (scripts/test_arm64.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${KITE_JOBS:-2}

echo "== release build"
bash scripts/build.sh
(cd build && ctest --output-on-failure -j "$jobs")

echo "== sanitizer build (ASan + UBSan, clang, with libFuzzer targets)"
CC=clang CXX=clang++ cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DKITE_SANITIZE=ON -DKITE_FUZZ=ON >/dev/null
cmake --build build-sanitize -j "$jobs"
# allocator_may_return_null: an impossible allocation is a bad_alloc kite reports, as in a release build.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-sanitize && ctest --output-on-failure -j "$jobs" -L 'unit|conformance|cli')

echo "== fuzzing"
bash scripts/run_fuzzers.sh build-sanitize "${KITE_FUZZ_SECONDS:-60}"

echo "== ARM64 (cross build, tests under qemu)"
bash scripts/test_arm64.sh
