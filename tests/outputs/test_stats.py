"""Intervals and verdicts against published worked values, as Fingertips would give them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lscb_workbooks.outputs.stats import (
    proportion_interval,
    quartile_and_rank,
    rate_interval,
    significance,
    spread,
)


# Newcombe RG (1998) 'Two-sided confidence intervals for the single proportion: comparison of
# seven methods', Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score), reproduced in
# Altman et al., 'Statistics with confidence' (2nd edn, 2000), pp. 46-48.
@pytest.mark.parametrize(
    "numerator, denominator, lower, upper",
    [
        (81, 263, 25.53, 36.62),
        (15, 148, 6.24, 16.05),
        (0, 20, 0.0, 16.11),
        (1, 29, 0.61, 17.18),
    ],
)
def test_wilson_interval_reproduces_newcombe(numerator, denominator, lower, upper):
    got = proportion_interval(numerator, denominator)
    assert got == pytest.approx((lower, upper), abs=0.006)


def test_wilson_interval_on_another_scale():
    assert proportion_interval(81, 263, multiplier=1) == pytest.approx((0.2553, 0.3662), abs=5e-5)


@pytest.mark.parametrize("numerator, denominator", [(5, 0), (6, 5), (math.nan, 10), (None, 10), (3, None)])
def test_no_proportion_interval_without_a_proportion(numerator, denominator):
    lower, upper = proportion_interval(numerator, denominator)
    assert math.isnan(lower) and math.isnan(upper)


# Exact Poisson limits for an observed count (Armitage & Berry, 'Statistical methods in medical
# research', table of Poisson confidence limits): 3 -> 0.619 to 8.767; 10 -> 4.795 to 18.390.
# Fingertips (and PHStatsMethods' ph_rate) use the exact limits below 10 events and Byar's
# approximation from 10, which for 10 events gives 4.787 to 18.391 (Breslow & Day 1987).
def test_rate_interval_is_exact_below_ten_events():
    assert rate_interval(3, 10_000, per=10_000) == pytest.approx((0.619, 8.767), abs=0.001)


def test_rate_interval_uses_byars_from_ten_events_and_agrees_with_the_exact_limits():
    byar = rate_interval(10, 10_000, per=10_000)
    assert byar == pytest.approx((4.787, 18.391), abs=0.001)
    assert byar == pytest.approx((4.795, 18.390), rel=0.002)


@pytest.mark.parametrize("count", [9, 9.5, 10, 10.5, 11, 37, 250, 1_234, 98_765])
@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_rate_interval_agrees_with_phstatsmethods_byars_to_the_last_digit(count, confidence):
    from PHStatsMethods.confidence_intervals import byars_lower, byars_upper

    expected = (byars_lower(count, confidence) / 5_000 * 1_000, byars_upper(count, confidence) / 5_000 * 1_000)
    assert rate_interval(count, 5_000, per=1_000, confidence=confidence) == pytest.approx(expected, rel=1e-12)


def test_rate_interval_scales_to_the_population():
    lower, upper = rate_interval(289, 1_000_000, per=100_000)
    assert (lower, upper) == pytest.approx((25.66, 32.43), abs=0.01)


def test_zero_events_have_a_lower_limit_of_zero_and_the_exact_upper_limit():
    assert rate_interval(0, 10_000, per=10_000) == pytest.approx((0.0, 3.689), abs=0.001)


@pytest.mark.parametrize(
    "lower, upper, against, polarity, verdict",
    [
        (20, 30, 10, "higher_is_better", "better"),
        (20, 30, 10, "lower_is_better", "worse"),
        (20, 30, 10, "neither", "higher"),
        (2, 8, 10, "higher_is_better", "worse"),
        (2, 8, 10, "lower_is_better", "better"),
        (2, 8, 10, "neither", "lower"),
        (5, 15, 10, "higher_is_better", "similar"),
        (5, 15, 10, "neither", "similar"),
        (math.nan, math.nan, 10, "higher_is_better", "not compared"),
        (5, 15, math.nan, "higher_is_better", "not compared"),
    ],
)
def test_significance_by_interval_and_polarity(lower, upper, against, polarity, verdict):
    assert significance(lower, upper, against, polarity) == verdict


def test_a_small_authority_far_from_london_but_with_a_wide_interval_is_similar():
    # 2 of 5 children (40%) against London's 15%, where lower is better: far off, but noise.
    lower, upper = proportion_interval(2, 5)
    assert significance(lower, upper, 15.0, "lower_is_better") == "similar"
    # The same 40% from 400 of 1,000 children is a real difference.
    lower, upper = proportion_interval(400, 1000)
    assert significance(lower, upper, 15.0, "lower_is_better") == "worse"
    # A rate: 3 events among the City of London's 1,500 children is 20 per 10,000 against 35.
    lower, upper = rate_interval(3, 1500)
    assert significance(lower, upper, 35.0, "lower_is_better") == "similar"


def test_rank_one_is_best_by_polarity_and_ties_share_the_better_rank():
    values = pd.Series([10.0, 30.0, 20.0, 20.0, None], index=list("abcde"))
    higher = quartile_and_rank(values, "higher_is_better")
    assert higher["rank"].tolist()[:4] == [4, 1, 2, 2]
    lower = quartile_and_rank(values, "lower_is_better")
    assert lower["rank"].tolist()[:4] == [1, 4, 2, 2]
    assert pd.isna(lower.loc["e", "rank"]) and pd.isna(lower.loc["e", "quartile"])
    neither = quartile_and_rank(values, "neither")
    assert neither.loc["b", "rank"] == 1


def test_quartiles_split_the_ranked_authorities_into_four():
    values = pd.Series(range(1, 33), dtype=float)
    ranked = quartile_and_rank(values, "higher_is_better")
    assert ranked.quartile.value_counts().sort_index().tolist() == [8, 8, 8, 8]
    assert ranked.loc[31, "quartile"] == 1 and ranked.loc[0, "quartile"] == 4


def test_spread_is_the_five_figure_summary():
    summary = spread(pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, None]))
    assert summary == {"lowest": 1.0, "q1": 2.0, "median": 3.0, "q3": 4.0, "highest": 5.0, "n": 5}
    assert spread(pd.Series([None], dtype=float))["n"] == 0
