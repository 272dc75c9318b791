#!/usr/bin/python3
"""Makes the PP-OCR reference pairs: deterministic text-like inputs (NumPy, fixed seed) and
ONNX Runtime 1.30's outputs for them (the peer runner /work/shared/peers/ort_run.js, CPU EP).

    /usr/bin/python3 tests/models/make_ppocr_refs.py

Writes tests/models/ppocr/<model>_<size>.in.npy / .ort.npy. Rerun only when the models change;
the test (test_ppocr in tests/models) needs no ONNX Runtime.
"""
import os
import subprocess

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(HERE, "ppocr")
ORT_RUN = os.environ.get("ORT_RUN", "/work/shared/peers/ort_run.js")
MODELS = os.path.join(ROOT, "models", "ppocr")

# (model file, tag, N, H, W)
CASES = [
    ("ch_PP-OCRv4_det_infer.onnx", "det", 1, 64, 64),
    ("ch_PP-OCRv4_det_infer.onnx", "det", 1, 128, 256),
    ("ch_PP-OCRv4_det_infer.onnx", "det", 1, 320, 320),
    ("ch_PP-OCRv4_rec_infer.onnx", "rec", 1, 48, 96),
    ("ch_PP-OCRv4_rec_infer.onnx", "rec", 1, 48, 320),
    ("ch_ppocr_mobile_v2.0_cls_infer.onnx", "cls", 1, 48, 192),
    ("ch_ppocr_mobile_v2.0_cls_infer.onnx", "cls", 2, 48, 192),
]


def text_like(rng, n, h, w):
    """A light page with dark strokes in text lines, normalised as PaddleOCR does
    ((x/255 - 0.5) / 0.5), so activations look like those of real input."""
    img = np.full((n, h, w, 3), 235.0) + rng.normal(0, 6, (n, h, w, 3))
    for b in range(n):
        y = int(rng.integers(2, max(3, h // 6)))
        while y < h - 6:
            line_h = int(rng.integers(6, max(7, min(24, h // 2))))
            x = int(rng.integers(0, max(1, w // 8)))
            while x < w - 4:
                sw = int(rng.integers(1, 4))
                sh = int(rng.integers(line_h // 2, line_h + 1))
                img[b, y + (line_h - sh): y + line_h, x: x + sw, :] = rng.uniform(10, 60)
                if rng.random() < 0.4:  # a horizontal stroke
                    ww = int(rng.integers(3, 9))
                    yy = y + int(rng.integers(0, line_h))
                    img[b, yy: yy + 2, x: x + ww, :] = rng.uniform(10, 60)
                x += sw + int(rng.integers(1, 6))
            y += line_h + int(rng.integers(4, 12))
    img = np.clip(img, 0, 255) / 255.0
    x = (img - 0.5) / 0.5
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2)).astype(np.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240607)
    for model, tag, n, h, w in CASES:
        name = f"{tag}_{n}x3x{h}x{w}"
        x = text_like(rng, n, h, w)
        inp = os.path.join(OUT, name + ".in.npy")
        out = os.path.join(OUT, name + ".ort.npy")
        np.save(inp, x)
        subprocess.run(["node", ORT_RUN, os.path.join(MODELS, model), inp, "--runs", "1", "--out", out],
                       check=True, stdout=subprocess.DEVNULL)
        y = np.load(out)
        print(f"{name}: output {y.shape}, max |y| {np.abs(y).max():.4g}")


if __name__ == "__main__":
    main()
