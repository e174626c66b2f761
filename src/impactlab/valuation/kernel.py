"""Compiled numeric kernels (Numba): the valuation of one parameter vector, for many vectors at once.

``_evaluate`` is the one place the method's arithmetic is written for whole-model figures; the
sensitivity analysis evaluates chosen parameter rows and the Monte Carlo simulation draws rows from
uniform random numbers inside the same loop, so no intermediate array of draws is ever stored.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

TRIANGULAR, UNIFORM = 1, 2


@njit(cache=True, nogil=True, fastmath=False)
def _evaluate(p, q_idx, v_idx, v_factor, dw_idx, ds_idx, at_idx, do_idx, dur_idx, start, transfer,
              amount_idx, iq_idx, iv_idx, i_factor, i_year, first_year, rate_idx):  # pragma: no cover - jit
    """Present value of all outcomes, of transfers among them, and the discounted investment."""
    v = 1.0 / (1.0 + p[rate_idx])
    pv = 0.0
    pv_transfer = 0.0
    for o in range(q_idx.shape[0]):
        gross = (p[q_idx[o]] * p[v_idx[o]] * v_factor[o] * (1.0 - p[dw_idx[o]]) * (1.0 - p[ds_idx[o]])
                 * (1.0 - p[at_idx[o]]))
        keep = 1.0 - p[do_idx[o]]
        years = math.floor(p[dur_idx[o]] + 0.5)
        years = max(years, 1)
        exponent = start[o] if first_year else start[o] - 1
        discount = v ** exponent
        level = 1.0
        total = 0.0
        for _ in range(years):
            total += level * discount
            level *= keep
            discount *= v
        value = gross * total
        pv += value
        if transfer[o]:
            pv_transfer += value
    investment = 0.0
    for k in range(amount_idx.shape[0]):
        amount = p[amount_idx[k]] if amount_idx[k] >= 0 else p[iq_idx[k]] * p[iv_idx[k]] * i_factor[k]
        investment += amount * v ** i_year[k]
    return pv, pv_transfer, investment


@njit(cache=True, nogil=True)
def evaluate_rows(rows, q_idx, v_idx, v_factor, dw_idx, ds_idx, at_idx, do_idx, dur_idx, start, transfer,
                  amount_idx, iq_idx, iv_idx, i_factor, i_year, first_year, rate_idx):  # pragma: no cover
    """Evaluate each row of ``rows`` (n x parameters): arrays of pv, pv of transfers, investment."""
    n = rows.shape[0]
    out = np.empty((3, n))
    for i in range(n):
        pv, pvt, inv = _evaluate(rows[i], q_idx, v_idx, v_factor, dw_idx, ds_idx, at_idx, do_idx, dur_idx,
                                 start, transfer, amount_idx, iq_idx, iv_idx, i_factor, i_year, first_year,
                                 rate_idx)
        out[0, i] = pv
        out[1, i] = pvt
        out[2, i] = inv
    return out


@njit(cache=True, nogil=True)
def simulate_block(u, base, unc_idx, unc_dist, low, mode, high, out, offset,
                   q_idx, v_idx, v_factor, dw_idx, ds_idx, at_idx, do_idx, dur_idx, start, transfer,
                   amount_idx, iq_idx, iv_idx, i_factor, i_year, first_year, rate_idx):  # pragma: no cover
    """Turn uniform numbers ``u`` (n x uncertain) into parameter draws and evaluate each draw.

    A column whose ``unc_dist`` is neither triangular nor uniform already holds drawn values (the
    caller transforms normal parameters with SciPy's inverse CDF). Results go to ``out[:, offset:]``.
    """
    p = base.copy()
    for i in range(u.shape[0]):
        for j in range(unc_idx.shape[0]):
            x = u[i, j]
            a = low[j]
            b = high[j]
            if unc_dist[j] == TRIANGULAR:
                c = mode[j]
                width = b - a
                if x * width < c - a:
                    x = a + math.sqrt(x * width * (c - a))
                else:
                    x = b - math.sqrt((1.0 - x) * width * (b - c))
            elif unc_dist[j] == UNIFORM:
                x = a + x * (b - a)
            p[unc_idx[j]] = x
        pv, pvt, inv = _evaluate(p, q_idx, v_idx, v_factor, dw_idx, ds_idx, at_idx, do_idx, dur_idx, start,
                                 transfer, amount_idx, iq_idx, iv_idx, i_factor, i_year, first_year, rate_idx)
        out[0, offset + i] = pv
        out[1, offset + i] = pvt
        out[2, offset + i] = inv
