"""The firm register panel: a synthetic population of Danish firms, 2021..2028.

Design
------
Each firm has fixed traits (CVR, size class, NACE code, region, whether it discloses turnover)
and yearly figures held as ``(n_firms, 8)`` numpy arrays, so 300,000 firms x 8 years are a few
array operations, not a loop.

- Size classes: micro 70 %, small 22 %, medium 6.5 %, large 1.5 % (a fifth of the large ones have
  120-240 employees but a turnover and balance sheet far above the EU SME ceilings). SMEs never
  reach 250 FTE, and their total assets stay below the EUR 43m ceiling (and are always reported
  when turnover passes EUR 50m), so an SME stays an SME in every year.
- Employees are FTE with one decimal (rounded when published) and drift a little from year to
  year.
- Latent turnover follows ``ln T(y+1) - ln T(y) = mu_nace2 + mu_region + delta_y + eps``: a
  sector trend, a small regional trend, a common year shock, and firm noise (sd 0.12). All
  trends are constant within a matching cell (first two NACE digits x employee band x region),
  so a matched comparison removes them, while a naive comparison does not: innovation
  participants are drawn a little more often from fast-growing sectors.
- Gross profit is latent turnover times a gross margin: a firm's own level (15-50 %) with a
  small yearly wobble (sd 5 % in logs), so gross profit does not simply mirror turnover.
- The planted effects (see :func:`plant_effect`): for a firm whose first innovation participation
  is in year t, from t on latent turnover is multiplied by ``1 + turnover``, an SME's FTEs by
  ``1 + employment`` and gross profit by ``1 + gross_profit``, so ``ln X(t+2) - ln X(t-1)`` rises
  by exactly ``ln(1 + effect)`` for each outcome X (up to the rounding of FTEs to one decimal).
  Nothing changes before t: the panel has no pre-trend, and the placebo (t-2 -> t-1) finds 0
  in expectation.
- Published turnover: class-B style non-disclosure leaves it empty for the whole panel (micro
  firms 55 %, small 30 %, medium 8 %); disclosing firms still miss a year now and then (2 %) and
  a few firm-years report 0 (0.3 %). Gross profit is always reported (also by non-disclosers);
  total assets are missing for a tenth of the firms. 3 % of firms were founded in 2022-2024 and
  have no rows before that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.core.contract import REGIONS

from . import vocab

YEARS = np.arange(2021, 2029)
N_YEARS = len(YEARS)
MICRO, SMALL, MEDIUM, LARGE = 0, 1, 2, 3
SIZE_SHARES = (0.70, 0.22, 0.065, 0.015)
DISCLOSE_SHARE = (0.45, 0.70, 0.92, 1.0)
#: Common year shocks for the transitions 2021->22 ... 2027->28.
YEAR_SHOCKS = np.array([0.05, 0.02, -0.03, 0.01, 0.03, 0.02, 0.025])
FIRM_NOISE_SD = 0.12
#: SMEs start below this turnover (EUR 50m ~ DKK 373m) and keep total assets below the cap
#: (EUR 43m ~ DKK 321m), so they pass the SME test in every year.
SME_TURNOVER_CAP = 360e6
SME_ASSETS_CAP = 300e6
#: An SME never has more FTEs than this (the SME limit is 250).
SME_MAX_FTE = 245.0
#: Year-to-year wobble of a firm's gross margin (sd of its logarithm).
GROSS_MARGIN_SD = 0.05


@dataclass
class Register:
    """The firm population: traits per firm and yearly arrays of shape (n_firms, 8)."""

    cvr: np.ndarray  # int64, sorted
    size_class: np.ndarray  # int8
    nace: np.ndarray  # str, 2..6 digits
    nace2: np.ndarray  # int index into NACE2 list
    region: np.ndarray  # int index into REGIONS
    disclosed: np.ndarray  # bool
    founded: np.ndarray  # first year with a register row
    trend: np.ndarray  # the firm's sector+region growth trend (per year)
    employees: np.ndarray  # (n, 8) float, FTE (rounded to one decimal when published)
    latent_turnover: np.ndarray  # (n, 8) float
    gross_margin: np.ndarray  # (n, 8) gross profit / latent turnover
    asset_ratio: np.ndarray
    has_assets: np.ndarray
    turnover_missing: np.ndarray  # (n, 8) bool
    turnover_zero: np.ndarray  # (n, 8) bool
    names: pl.Series  # firm names, same order as cvr

    @property
    def n(self) -> int:
        return len(self.cvr)

    def index_of(self, cvrs: np.ndarray) -> np.ndarray:
        """Row index of each CVR (which must be in the register)."""
        return np.searchsorted(self.cvr, cvrs)


def make_register(rng: np.random.Generator, cvrs: np.ndarray, names: pl.Series) -> Register:
    """Draw the population for the given (valid, distinct) CVR numbers."""
    order = np.argsort(cvrs)
    cvrs, names = cvrs[order], names.gather(order)
    n = len(cvrs)
    size = rng.choice(4, n, p=SIZE_SHARES).astype(np.int8)
    huge = (size == LARGE) & (rng.random(n) < 0.2)

    emp0 = np.select(
        [size == MICRO, size == SMALL, size == MEDIUM],
        [rng.uniform(0.5, 9.5, n), rng.uniform(10, 49.5, n), rng.uniform(50, 235, n)],
        np.maximum(260.0, np.exp(rng.normal(np.log(600), 0.8, n))),
    )
    emp0 = np.where(huge, rng.uniform(120, 240, n), emp0)
    emp0 = np.where((size == MICRO) & (rng.random(n) < 0.04), 0.0, emp0)
    drift = rng.normal(0.01, 0.04, (n, N_YEARS))
    drift[:, 0] = 0.0
    employees = emp0[:, None] * np.exp(np.cumsum(drift, axis=1))
    sme = size != LARGE
    employees = np.where(sme[:, None], np.minimum(employees, SME_MAX_FTE), employees)
    employees = np.where(
        (size == LARGE)[:, None] & ~huge[:, None], np.maximum(employees, 250.0), employees
    )

    nace_codes = list(vocab.NACE2_WEIGHTS)
    w = np.array(list(vocab.NACE2_WEIGHTS.values()))
    nace2 = rng.choice(len(nace_codes), n, p=w / w.sum())
    nace = _nace_codes(rng, np.array(nace_codes)[nace2])
    region = rng.choice(len(REGIONS), n, p=vocab.REGION_WEIGHTS)

    sector_trend = rng.normal(0.02, 0.03, len(nace_codes))
    region_trend = rng.normal(0.0, 0.01, len(REGIONS))
    trend = sector_trend[nace2] + region_trend[region]
    steps = trend[:, None] + YEAR_SHOCKS[None, :] + rng.normal(0.0, FIRM_NOISE_SD, (n, N_YEARS - 1))
    productivity = np.exp(rng.normal(np.log(1.4e6), 0.5, n))
    base = np.maximum(emp0, 0.5) * productivity
    base = np.where(huge, np.exp(rng.uniform(np.log(4.5e8), np.log(3e9), n)), base)
    base = np.where(sme, np.minimum(base, 0.6 * SME_TURNOVER_CAP), base)
    latent = base[:, None] * np.exp(
        np.concatenate([np.zeros((n, 1)), np.cumsum(steps, axis=1)], axis=1)
    )

    disclosed = rng.random(n) < np.array(DISCLOSE_SHARE)[size]
    founded = np.where(rng.random(n) < 0.03, rng.integers(2022, 2025, n), 2021)
    return Register(
        cvr=cvrs,
        size_class=size,
        nace=nace,
        nace2=nace2,
        region=region,
        disclosed=disclosed,
        founded=founded,
        trend=trend,
        employees=employees,
        latent_turnover=latent,
        gross_margin=rng.uniform(0.15, 0.5, n)[:, None]
        * np.exp(rng.normal(0.0, GROSS_MARGIN_SD, (n, N_YEARS))),
        asset_ratio=np.where(huge, rng.uniform(0.9, 1.5, n), rng.uniform(0.3, 0.8, n)),
        has_assets=rng.random(n) < 0.9,
        turnover_missing=rng.random((n, N_YEARS)) < 0.02,
        turnover_zero=rng.random((n, N_YEARS)) < 0.003,
        names=names,
    )


def _nace_codes(rng: np.random.Generator, nace2: np.ndarray) -> np.ndarray:
    """Full codes: 70 % six digits (DB07 ``620100``), 20 % four digits, 10 % just two."""
    n = len(nace2)
    group = np.char.zfill(rng.integers(0, 100, n).astype(str), 2)
    kind = rng.random(n)
    four = np.char.add(nace2, group)
    six = np.char.add(four, "00")
    return np.where(kind < 0.7, six, np.where(kind < 0.9, four, nace2)).astype(str)


def innovation_weights(reg: Register) -> np.ndarray:
    """Selection weight into innovation collaborations: SMEs of fast-growing sectors, disclosing
    firms and small/medium firms are likelier (selection on observables the matching handles)."""
    size_w = np.array([1.0, 1.6, 1.2, 0.0])[reg.size_class]
    return np.exp(8.0 * reg.trend) * np.where(reg.disclosed, 3.0, 1.0) * size_w


def plant_effect(
    reg: Register, cohort_year: np.ndarray, turnover: float, employment: float, gross_profit: float
) -> None:
    """Plant the effects of taking part from each firm's cohort year on (in place).

    ``cohort_year`` holds per firm the year of its first innovation participation, or 0 for none.
    From that year on latent turnover is multiplied by ``1 + turnover``, gross profit by
    ``1 + gross_profit`` (the margin absorbs the difference to the turnover effect) and an SME's
    FTEs by ``1 + employment``. Turnover is never capped afterwards (a cap would eat part of the
    effect); SMEs whose turnover grows past the EUR 50m ceiling stay SMEs through their balance
    sheet (see :func:`panel_frame`). FTEs stay under :data:`SME_MAX_FTE`, so no SME stops being one
    (large participants never enter a cohort and keep their workforce).
    """
    treated = (cohort_year > 0)[:, None] & (YEARS[None, :] >= cohort_year[:, None])
    reg.latent_turnover *= np.where(treated, 1.0 + turnover, 1.0)
    reg.gross_margin *= np.where(treated, (1.0 + gross_profit) / (1.0 + turnover), 1.0)
    sme_treated = treated & (reg.size_class != LARGE)[:, None]
    reg.employees = np.where(
        sme_treated, np.minimum(reg.employees * (1.0 + employment), SME_MAX_FTE), reg.employees
    )


def panel_frame(reg: Register) -> pl.DataFrame:
    """The register as published: one row per firm and year the firm existed, sorted by CVR, year."""
    n = reg.n
    latent = reg.latent_turnover
    sme = (reg.size_class != LARGE)[:, None]
    turnover = np.where(reg.turnover_zero, 0.0, np.round(latent))
    show = reg.disclosed[:, None] & ~reg.turnover_missing
    gross = np.round(latent * reg.gross_margin)
    assets = latent * reg.asset_ratio[:, None]
    assets = np.round(np.where(sme, np.minimum(assets, SME_ASSETS_CAP), assets))
    # An SME whose turnover passes the turnover ceiling always reports its (small) balance sheet.
    has_assets = reg.has_assets | (
        (reg.size_class != LARGE) & (latent.max(axis=1) > SME_ASSETS_CAP)
    )
    keep = (YEARS[None, :] >= reg.founded[:, None]).ravel()
    firm = np.repeat(np.arange(n), N_YEARS)[keep]

    def col(values: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
        flat = values.ravel()[keep]
        if valid is None:
            return pl.Series(flat.astype(np.int64))
        return pl.Series(np.where(valid.ravel()[keep], flat, np.nan)).fill_nan(None).cast(pl.Int64)

    return pl.DataFrame(
        {
            "cvr": pl.Series(reg.cvr[firm]),
            "year": pl.Series(np.tile(YEARS, n)[keep]).cast(pl.Int64),
            "employees": pl.Series(np.round(reg.employees, 1).ravel()[keep]),
            "turnover_dkk": col(turnover, show),
            "gross_profit_dkk": col(gross),
            "total_assets_dkk": col(assets, np.broadcast_to(has_assets[:, None], (n, N_YEARS))),
            "nace_code": pl.Series(reg.nace, dtype=pl.String).gather(firm),
            "region": pl.Series(REGIONS, dtype=pl.String).gather(reg.region[firm]),
        }
    )


def firm_names(rng: np.random.Generator, n: int) -> pl.Series:
    """Danish-looking firm names (``Sørensen Maskinfabrik ApS``, ``Ærø Økologi A/S``).

    Built in Polars from word indices: compact strings, no fixed-width numpy unicode arrays.
    """

    def pick(words: tuple[str, ...], idx: np.ndarray) -> pl.Expr:
        return pl.lit(pl.Series(words, dtype=pl.String)).gather(pl.Series(idx))

    use_surname = rng.random(n) < 0.6
    first = np.where(
        use_surname,
        rng.integers(0, len(vocab.SURNAMES), n),
        len(vocab.SURNAMES) + rng.integers(0, len(vocab.PLACES), n),
    )
    trade = rng.integers(0, len(vocab.TRADES), n)
    form = rng.integers(0, len(vocab.LEGAL_FORMS), n)
    return pl.select(
        pl.concat_str(
            [
                pick(vocab.SURNAMES + vocab.PLACES, first),
                pick(vocab.TRADES, trade),
                pick(vocab.LEGAL_FORMS, form),
            ],
            separator=" ",
        ).alias("firm_name")
    ).to_series()


def org_types(reg: Register, idx: np.ndarray) -> np.ndarray:
    """``sme`` or ``large_firm`` for register rows ``idx`` (unverified firms, idx < 0, are ``sme``)."""
    large = np.zeros(len(idx), dtype=bool)
    ok = idx >= 0
    large[ok] = reg.size_class[idx[ok]] == LARGE
    return np.where(large, "large_firm", "sme")
