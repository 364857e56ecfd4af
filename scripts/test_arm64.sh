#!/usr/bin/env bash
# kite for ARM64 (AArch64), tested on an x86-64 machine: a cross build (GNU toolchain,
# cmake/toolchains/aarch64-linux-gnu.cmake) in build-arm64/, whose unit, ONNX conformance,
# torchvision model and CLI tests run under qemu-user twice:
#   1. QEMU_CPU=cortex-a53: plain ARMv8.0 (NEON), as in the oldest 64-bit phones and boards;
#   2. QEMU_CPU=max: every extension qemu knows, dot product and fp16 arithmetic among them;
# then kite bench on one small zoo model, to show that benchmarking works there (the times are
# the emulator's and mean nothing).
#
# Emulated, the torchvision networks take about 4 minutes per CPU model (ResNet-50 and Inception
# v3 alone 1.5 and 2), so the model tests run three small ones (KITE_TORCHVISION_MODELS below):
# MobileNet v2 and v3 (depthwise 3x3 and 5x5, 1x1 convolutions) and ShuffleNet v2, at opset 13.
# scripts/test.sh runs all of them natively.
# Installs what it needs with apt-get: the cross compiler, qemu-user, GoogleTest's sources and
# the arm64 build of zlib (Debian multiarch).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${KITE_JOBS:-2}
build_jobs=${KITE_BUILD_JOBS:-$jobs}
build=build-arm64
models=mobilenet_v2,mobilenet_v3_large,shufflenet_v2_x1_0
# The command the toolchain file gives CMake as CMAKE_CROSSCOMPILING_EMULATOR.
emulator="qemu-aarch64 -L /usr/aarch64-linux-gnu"

started=$SECONDS
part_started=$SECONDS
part_done() {
  echo "== $1: $((SECONDS - part_started)) s"
  part_started=$SECONDS
}

echo "== prerequisites"
packages=(g++-aarch64-linux-gnu qemu-user googletest zlib1g-dev:arm64)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "installing: ${missing[*]}"
  dpkg --print-foreign-architectures | grep -qx arm64 || $sudo_cmd dpkg --add-architecture arm64
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
part_done "prerequisites"

echo "== cross build ($build)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake -DKITE_TORCHVISION_MODELS="$models" >/dev/null
cmake --build "$build" -j "$build_jobs"
part_done "cross build"

for cpu in cortex-a53 max; do
  echo "== tests under qemu, QEMU_CPU=$cpu"
  (cd "$build" && QEMU_CPU=$cpu ctest --output-on-failure -j "$jobs" -L 'unit|conformance|models|cli')
  part_done "tests, QEMU_CPU=$cpu"
done

echo "== kite bench under qemu"
# kite bench measures each model in a fresh process of itself, started through KITE_EMULATOR.
KITE_EMULATOR="$emulator" $emulator "$build/kite" bench 'zoo:mobilenet_v1?alpha=0.25&resolution=128' \
  --loops 2 --warmup 1 --threads "$jobs"
part_done "kite bench"

echo "== ARM64 tests passed in $((SECONDS - started)) s"
