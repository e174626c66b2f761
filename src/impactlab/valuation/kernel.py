"""Compiled numeric kernels (Numba): the valuation of many parameter vectors at once.

Parameters are laid out as a block ``P[parameter, draw]`` so that every loop's innermost level runs
over draws, which the compiler turns into SIMD instructions. ``evaluate_block`` is the one place
the method's whole-model arithmetic is written for the sensitivity analysis and the Monte Carlo
simulation; ``draw_in_place`` first turns uniform random numbers into parameter draws.

The kernels are compiled once and kept on disk (``cache=True``), so that a new process (a command, a worker)
loads them instead of compiling them again (issue 13). Numba keeps that cache next to this file when the
folder is writable, else in a user's cache folder; an installed package is often read-only and a service
account often has no home, so ``kernel_cache_dir`` chooses a folder that works and hands it to Numba
(``NUMBA_CACHE_DIR``, unless it is set already).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from impactlab.cache import private_dir


def kernel_cache_dir(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The folder for Numba's cache of compiled kernels: ``NUMBA_CACHE_DIR`` when set, else this user's private
    cache folder ``numba`` (see :mod:`impactlab.cache`); None when no folder qualifies (then Numba chooses, or
    compiles again)."""
    if environ.get("NUMBA_CACHE_DIR"):
        return Path(environ["NUMBA_CACHE_DIR"])
    return private_dir("numba", environ)


_CACHE_DIR = kernel_cache_dir()
if _CACHE_DIR is not None:
    os.environ.setdefault("NUMBA_CACHE_DIR", str(_CACHE_DIR))

import numba  # noqa: E402  (after its cache folder is chosen)
from numba import njit  # noqa: E402

if _CACHE_DIR is not None and not numba.config.CACHE_DIR:  # Numba was imported before: tell it directly
    numba.config.CACHE_DIR = str(_CACHE_DIR)

TRIANGULAR, UNIFORM = 1, 2


@njit(cache=True, nogil=True)
def evaluate_block(P, q_idx, v_idx, v_factor, dw_idx, ds_idx, at_idx, do_idx, dur_idx, start, transfer,
                   amount_idx, iq_idx, iv_idx, i_factor, i_year, first_year, rate_idx, out, offset):  # pragma: no cover
    """Present value, present value of transfers and discounted investment of each column of ``P``.

    Results go to ``out[0..2, offset:offset + n]``.
    """
    n = P.shape[1]
    n_out = q_idx.shape[0]
    durations = np.empty((n_out, n), dtype=np.int64)
    horizon = 0
    for o in range(n_out):
        row = P[dur_idx[o]]
        for i in range(n):
            years = max(math.floor(row[i] + 0.5), 1)
            durations[o, i] = years
            horizon = max(horizon, start[o] + years)
    for k in range(i_year.shape[0]):
        horizon = max(horizon, i_year[k] + 1)
    # vpow[t, i] = (1 + r_i)^-t; the discount of benefit year t is vpow[t] or vpow[t - 1]
    vpow = np.empty((horizon + 2, n))
    rate = P[rate_idx]
    for i in range(n):
        vpow[0, i] = 1.0
    for t in range(1, horizon + 2):
        for i in range(n):
            vpow[t, i] = vpow[t - 1, i] / (1.0 + rate[i])
    shift = 0 if first_year else 1
    pv = np.zeros(n)
    pv_transfer = np.zeros(n)
    total = np.empty(n)
    level = np.empty(n)
    keep = np.empty(n)
    for o in range(n_out):
        q = P[q_idx[o]]
        val = P[v_idx[o]]
        dw = P[dw_idx[o]]
        ds = P[ds_idx[o]]
        at = P[at_idx[o]]
        drop = P[do_idx[o]]
        longest = 0
        for i in range(n):
            keep[i] = 1.0 - drop[i]
            level[i] = q[i] * val[i] * v_factor[o] * (1.0 - dw[i]) * (1.0 - ds[i]) * (1.0 - at[i])
            total[i] = 0.0
            longest = max(longest, durations[o, i])
        for k in range(longest):
            t = start[o] + k - shift
            if t >= 0:
                discount = vpow[t]
                for i in range(n):
                    if k < durations[o, i]:
                        total[i] += level[i] * discount[i]
                    level[i] *= keep[i]
            else:  # year 0 undiscounted-first-year convention: (1 + r)^1
                for i in range(n):
                    if k < durations[o, i]:
                        total[i] += level[i] * (1.0 + rate[i])
                    level[i] *= keep[i]
        for i in range(n):
            pv[i] += total[i]
        if transfer[o]:
            for i in range(n):
                pv_transfer[i] += total[i]
    investment = np.zeros(n)
    for k in range(amount_idx.shape[0]):
        discount = vpow[i_year[k]]
        if amount_idx[k] >= 0:
            amount = P[amount_idx[k]]
            for i in range(n):
                investment[i] += amount[i] * discount[i]
        else:
            qty = P[iq_idx[k]]
            unit = P[iv_idx[k]]
            for i in range(n):
                investment[i] += qty[i] * unit[i] * i_factor[k] * discount[i]
    for i in range(n):
        out[0, offset + i] = pv[i]
        out[1, offset + i] = pv_transfer[i]
        out[2, offset + i] = investment[i]


@njit(cache=True, nogil=True)
def draw_in_place(P, unc_dist, low, mode, high):  # pragma: no cover
    """Turn the uniforms in the first rows of ``P`` (one row per uncertain parameter) into parameter draws, in
    place. A row whose distribution is neither triangular nor uniform already holds drawn values (normal draws
    are transformed by the caller with SciPy).

    In place, in a block the caller keeps for every chunk of draws, instead of a new block per chunk filled
    with base values and then overwritten: the random numbers are written once and the block stays in memory
    that is already mapped (issue 13: the drawing cost more than generating the random numbers).
    """
    n = P.shape[1]
    for j in range(unc_dist.shape[0]):
        row = P[j]
        a = low[j]
        b = high[j]
        if unc_dist[j] == TRIANGULAR:
            c = mode[j]
            width = b - a
            split = (c - a) / width
            left = width * (c - a)
            right = width * (b - c)
            for i in range(n):  # both branches computed, one kept: no branch to mispredict, and SIMD
                x = row[i]
                below = a + math.sqrt(x * left)
                above = b - math.sqrt((1.0 - x) * right)
                row[i] = below if x < split else above
        elif unc_dist[j] == UNIFORM:
            for i in range(n):
                row[i] = a + row[i] * (b - a)
