#!/usr/bin/python3
"""compare_outputs.py GOT.npy WANT.npy: exit 0 if max|got - want| <= 1e-4 * max|want| and the
top-1 class agrees (per batch row), else print the numbers and exit 1."""
import sys

import numpy as np

got, want = np.load(sys.argv[1]), np.load(sys.argv[2])
if got.shape != want.shape:
    print(f"shape {got.shape} != {want.shape}")
    sys.exit(1)
diff = float(np.abs(got - want).max())
scale = float(np.abs(want).max())
same_top1 = (got.reshape(got.shape[0], -1).argmax(1) == want.reshape(want.shape[0], -1).argmax(1)).all()
ok = np.isfinite(got).all() and scale > 0 and diff <= 1e-4 * scale and same_top1
print(f"max|diff| {diff:.3g}  max|ref| {scale:.3g}  top-1 {'same' if same_top1 else 'DIFFERS'}")
sys.exit(0 if ok else 1)
