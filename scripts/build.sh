#!/usr/bin/env bash
# Release build of the library, the CLI and the tests into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "${KITE_JOBS:-2}"
