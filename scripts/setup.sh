#!/usr/bin/env bash
# Installs everything kite needs to build, test and demonstrate itself on Debian 12.
# Safe to rerun: it only calls apt-get when a package is missing.
set -euo pipefail
packages=(
  # build
  g++ cmake ninja-build clang libclang-rt-14-dev
  libgtest-dev flatbuffers-compiler libflatbuffers-dev libstb-dev libcli11-dev nlohmann-json3-dev
  zlib1g-dev
  # test data and the PyTorch reference
  libonnx-testdata dataset-fashion-mnist python3-torch python3-torchvision python3-onnx python3-numpy python3-pil
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime, the peer kite is checked and measured against: npm's onnxruntime-node ships its
# CPU library. Its install script only fetches GPU add-ons, which kite does not use.
cd "$(dirname "$0")/ort"
if [ ! -d node_modules/onnxruntime-node ]; then
  command -v npm >/dev/null || { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq nodejs npm; }
  ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install --no-audit --no-fund --ignore-scripts
fi
