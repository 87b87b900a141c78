"""Fair comparisons, made the way OHID's Fingertips makes them.

An authority is called better or worse than London only when its 95%
confidence interval excludes London's figure, so that the City of London's
handful of children is not flagged on noise. Percentages get Wilson score
intervals, rates get Byar's method (the exact Poisson interval below ten
events), both from DHSC's PHStatsMethods rather than written here by hand.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.stats import norm
from PHStatsMethods.confidence_intervals import (
    byars_lower,
    byars_upper,
    exact_upper,
    wilson_lower,
    wilson_upper,
)

NO_INTERVAL = (math.nan, math.nan)
NOT_COMPARED = "not compared"
SIMILAR = "similar"


def _usable(*numbers: float | None) -> bool:
    return all(n is not None and not (isinstance(n, float) and math.isnan(n)) for n in numbers)


def proportion_interval(numerator: float, denominator: float, multiplier: float = 100,
                        confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for numerator/denominator, on the indicator's own scale (0-100 for a %).

    No interval (two NaNs) when the counts cannot make a proportion: a
    missing count, a zero denominator, or a numerator above its denominator.
    """
    if not _usable(numerator, denominator) or denominator <= 0 or not 0 <= numerator <= denominator:
        return NO_INTERVAL
    lower, upper = _wilson(float(numerator), float(denominator), confidence)
    return max(lower, 0.0) * multiplier, min(upper, 1.0) * multiplier


def rate_interval(count: float, population: float, per: float = 10_000,
                  confidence: float = 0.95) -> tuple[float, float]:
    """Byar's interval for a rate per `per` people; PHStatsMethods switches to the exact method below 10 events.

    Zero events give a lower limit of 0 and the exact upper limit, as Fingertips shows them.
    """
    if not _usable(count, population) or population <= 0 or count < 0:
        return NO_INTERVAL
    lower, upper = _byars(float(count), confidence)
    return lower / population * per, upper / population * per


BYARS_FROM = 10  # PHStatsMethods uses the exact interval below ten events


# The same counts recur across authorities, groups and periods, and each interval costs scipy a
# quantile: each is worked out once per run. Same function, same inputs, same figures.
@lru_cache(maxsize=65_536)
def _wilson(numerator: float, denominator: float, confidence: float) -> tuple[float, float]:
    return (float(wilson_lower(numerator, denominator, confidence)),
            float(wilson_upper(numerator, denominator, confidence)))


@lru_cache(maxsize=65_536)
def _byars(count: float, confidence: float) -> tuple[float, float]:
    if count == 0:
        return 0.0, float(exact_upper(0, confidence))
    if count < BYARS_FROM:
        return float(byars_lower(count, confidence)), float(byars_upper(count, confidence))
    # PHStatsMethods' own formula, with its normal quantile worked out once per confidence level rather
    # than by scipy for every count (tests check the two agree).
    z = _z(confidence)
    return (count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3,
            (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3)


@lru_cache(maxsize=8)
def _z(confidence: float) -> float:
    return float(norm.ppf(confidence + (1 - confidence) / 2))


def significance(lower: float | None, upper: float | None, benchmark: float | None, polarity: str) -> str:
    """'better', 'worse' or 'similar' against a benchmark by the interval and polarity.

    Where higher is neither better nor worse: 'higher', 'lower' or 'similar'.
    'not compared' when there is no interval or no benchmark.
    """
    if not _usable(lower, upper, benchmark):
        return NOT_COMPARED
    if lower > benchmark:
        side = "higher"
    elif upper < benchmark:
        side = "lower"
    else:
        return SIMILAR
    if polarity == "higher_is_better":
        return "better" if side == "higher" else "worse"
    if polarity == "lower_is_better":
        return "better" if side == "lower" else "worse"
    return side


def quartile_and_rank(values: pd.Series, polarity: str | pd.Series, by: pd.Series | None = None) -> pd.DataFrame:
    """Rank 1 = best by polarity (highest first where there is none); quartile 1 = best quarter.

    Ties share the better rank (1, 2, 2, 4); quartiles by OHID's method (`ohid_quantile`).
    Authorities without a value get neither. With
    `by` (and a polarity per row), each group, such as each indicator, is ranked on its own.
    """
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    lower_first = (polarity == "lower_is_better") if isinstance(polarity, pd.Series) else pd.Series(
        polarity == "lower_is_better", index=values.index)
    keyed = numbers.where(lower_first, -numbers)
    groups = by if by is not None else pd.Series(0, index=values.index)
    rank = keyed.groupby(groups, sort=False).rank(method="min", ascending=True)
    quartile = ohid_quantile(-keyed, groups, 4)
    return pd.DataFrame(
        {"rank": pd.array(rank.to_numpy(), dtype="Float64").astype("Int64"),
         "quartile": pd.array(quartile.to_numpy(), dtype="Float64").astype("Int64")},
        index=values.index,
    )


def ohid_quantile(keyed: pd.Series, groups: pd.Series, quantiles: int = 4) -> pd.Series:
    """OHID's quantile method (PHEindicatormethods' phe_quantile) on ranks: 1 = best.

    `keyed` runs from worst (lowest) to best (highest). Each figure is ranked
    from the worst end, ties sharing the lower rank; then quantile =
    quantiles + 1 - ceiling(rank x quantiles / highest rank).
    """
    rank = keyed.groupby(groups, sort=False).rank(method="min", ascending=True)
    top = rank.groupby(groups, sort=False).transform("max")
    return (quantiles + 1) - np.ceil(rank * quantiles / top.where(top > 0))


def spread(values: pd.Series) -> dict[str, float]:
    """Lowest, lower quartile, median, upper quartile and highest: the bar of a spine chart."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    numbers = numbers[~np.isnan(numbers)]
    if numbers.size == 0:
        return {"lowest": math.nan, "q1": math.nan, "median": math.nan, "q3": math.nan, "highest": math.nan, "n": 0}
    lowest, q1, median, q3, highest = np.quantile(numbers, [0, 0.25, 0.5, 0.75, 1]).tolist()
    return {"lowest": lowest, "q1": q1, "median": median, "q3": q3, "highest": highest, "n": int(numbers.size)}
