#!/usr/bin/env python3
"""Fit the polynomial coefficients used by include/luodi/simd/vmath.hpp.

Each approximation is fitted in float64 by least squares on a dense Chebyshev grid, then
refined with Lawson's iteration (reweighting by the error), which converges towards the minimax
polynomial. Errors are relative unless stated. The printed coefficients are rounded to float32,
exactly as vmath.hpp uses them, and the error is re-measured after that rounding.

Run: /usr/bin/python3 tools/vmath/fit_coefficients.py
"""
import math
import numpy as np


def lawson_fit(basis, target, weight, iters=60):
    """Weighted minimax-ish fit: returns coefficients c minimising max |weight*(basis@c - target)|."""
    w = np.ones(len(target))
    c = None
    for _ in range(iters):
        A = basis * (weight * np.sqrt(w))[:, None]
        b = target * weight * np.sqrt(w)
        c, *_ = np.linalg.lstsq(A, b, rcond=None)
        err = np.abs(weight * (basis @ c - target))
        w = w * err
        w = w / w.sum()
    return c


def cheb_grid(a, b, n=20000):
    k = np.arange(n)
    return 0.5 * (a + b) + 0.5 * (b - a) * np.cos(math.pi * (k + 0.5) / n)


def report(name, coeffs, err):
    print(f"// {name}: max error {err:.3e}")
    for i, c in enumerate(coeffs):
        print(f"  c{i} = {np.float32(c).item()!r:>24}f  // {float(np.float32(c)).hex()}")


# exp(r) = 1 + r + r^2 * P(r) on |r| <= ln2/2 (+ slack for the Cody-Waite reduction)
r = cheb_grid(-0.3466, 0.3466)
deg = 4
basis = np.stack([r ** (i + 2) for i in range(deg + 1)], axis=1)
target = np.exp(r) - 1 - r
c = lawson_fit(basis, target, 1 / np.exp(r))
c32 = c.astype(np.float32).astype(np.float64)
err = np.max(np.abs((1 + r + basis @ c32) - np.exp(r)) / np.exp(r))
report("exp: 1 + r + r^2*(c0 + c1 r + ...)", c32, err)

# tanh(x) = x + x^3 * P(x^2) on |x| < 0.625
x = cheb_grid(1e-4, 0.625)
deg = 5
basis = np.stack([x ** (2 * i + 3) for i in range(deg + 1)], axis=1)
target = np.tanh(x) - x
c = lawson_fit(basis, target, 1 / np.tanh(x))
c32 = c.astype(np.float32).astype(np.float64)
err = np.max(np.abs(x + basis @ c32 - np.tanh(x)) / np.tanh(x))
report("tanh small: x + x^3*(c0 + c1 x^2 + ...)", c32, err)

# erf(x) = x * P(x^2) on |x| < 0.921875
erf = np.vectorize(math.erf)
erfc = np.vectorize(math.erfc)
x = cheb_grid(1e-4, 0.921875)
deg = 6
basis = np.stack([x ** (2 * i + 1) for i in range(deg + 1)], axis=1)
c = lawson_fit(basis, erf(x), 1 / erf(x))
c32 = c.astype(np.float32).astype(np.float64)
err = np.max(np.abs(basis @ c32 - erf(x)) / erf(x))
report("erf small: x*(c0 + c1 x^2 + ...)", c32, err)

# erfc(x) = exp(-x^2) * Q(x) for x in [0.5, 4], in two pieces (split at 2), each a polynomial
# in u = x - centre (degree 10 below 2, degree 8 above, padded with zeros in the vector code,
# which picks each coefficient per lane with a blend). Used for erf (as 1 - erfc) above
# 0.921875, and for gelu's left tail below y = -0.5, where 1 + erf would cancel.
for (a, b, centre, deg) in ((0.5, 2.0, 1.25, 10), (2.0, 4.0, 3.0, 8)):
    x = cheb_grid(a, b)
    q = erfc(x) * np.exp(x * x)
    u = x - centre
    basis = np.stack([u ** i for i in range(deg + 1)], axis=1)
    c = lawson_fit(basis, q, 1 / q)
    c32 = c.astype(np.float32).astype(np.float64)
    err = np.max(np.abs(basis @ c32 - q) / q)
    report(f"erfc tail on [{a}, {b}]: exp(-x^2) * poly(x - {centre})", c32, err)

# erfc(x) = exp(-x^2) * t * R(t^2) with t = 1/x, for x in [4, 10]: the far left tail of gelu,
# where erfc is tiny but still a normal float. R follows the asymptotic series' structure.
x = cheb_grid(4.0, 10.0)
q = np.array([math.erfc(v) * math.exp(v * v) for v in x])
t = 1 / x
deg = 5
basis = np.stack([t * (t * t) ** i for i in range(deg + 1)], axis=1)
c = lawson_fit(basis, q, 1 / q)
c32 = c.astype(np.float32).astype(np.float64)
err = np.max(np.abs(basis @ c32 - q) / q)
report("erfc far tail on [4, 10]: exp(-x^2) * t * (c0 + c1 t^2 + ...), t = 1/x", c32, err)

# log(x) = e*ln2 + log(1 + f), m = 1 + f in [sqrt(2)/2, sqrt(2)). With s = f / (2 + f),
# log(1 + f) = 2 atanh(s) = 2s + s*R(z), z = s^2 in [0, 0.02944], R(z) = 2z/3 + 2z^2/5 + ...
# vmath.hpp evaluates it as f - hfsq + s*(hfsq + R) (hfsq = f^2/2), which damps the rounding
# error of the division s. The fit minimises R's absolute error, which is what reaches the
# result (scaled by s <= 0.1716).
z = cheb_grid(1e-12, 0.02944)
s_ = np.sqrt(z)
target = (2 * np.arctanh(s_) - 2 * s_) / s_
deg = 3
basis = np.stack([z ** (i + 1) for i in range(deg + 1)], axis=1)
c = lawson_fit(basis, target, np.ones_like(z))
c32 = c.astype(np.float32).astype(np.float64)
err = np.max(np.abs(basis @ c32 - target))
report("log: R(z) = z*(c0 + c1 z + c2 z^2 + c3 z^3), absolute error", c32, err)
