#!/usr/bin/env bash
# kite's main job: build, export a torchvision MobileNet v2 (random weights), show its per-layer
# parameters and MACs, convert it to .kite, classify its test input, and benchmark the zoo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p build/demo
/usr/bin/python3 scripts/export_torchvision_models.py build/demo --models mobilenet_v2
build/kite info build/demo/mobilenet_v2.onnx | tail -n 8
build/kite convert build/demo/mobilenet_v2.onnx -o build/demo/mobilenet_v2.kite --force
build/kite run build/demo/mobilenet_v2.kite --input build/demo/mobilenet_v2.input.npy --top 5
build/kite bench zoo:mobilenet_v1 zoo:mobilenet_v2 zoo:shufflenet_v2 zoo:squeezenet zoo:resnet?depth=18 --loops 10
