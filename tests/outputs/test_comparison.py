"""Authorities against London, hubs and inner/outer London, worked out again here from the values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lscb_workbooks.outputs.comparison import (
    SUPPRESSED,
    compare_period,
    compare_trends,
    direction_of_travel,
    rejected_in,
    recompute_derived,
    suppressed_values,
)


@pytest.fixture
def latest(synthetic_store, spec, register):
    values = synthetic_store.store.values_in_use("dataset", synthetic_store.latest)
    rejected = rejected_in(synthetic_store.store.submissions("dataset", synthetic_store.latest))
    return values, compare_period(spec, register, values, synthetic_store.latest, rejected=rejected)


def test_every_authority_and_every_indicator_has_a_row(latest, spec, register):
    _, comparison = latest
    assert len(comparison.authorities) == len(register) * len(spec.indicators) == 33 * len(spec.indicators)
    assert set(comparison.authorities.name) == {a.name for a in register}
    assert not comparison.authorities.duplicated(["la_code", "field_id"]).any()


def test_london_hub_and_inner_outer_figures_are_summed_numerators_over_summed_denominators(latest, spec, register,
                                                                                          group_ratios):
    values, comparison = latest
    expected = group_ratios(values, spec, register)
    got = {(t, g, f): v for t, g, f, v in zip(comparison.groups.group_type, comparison.groups.group,
                                               comparison.groups.field_id, comparison.groups.value)}
    assert len(expected) > 100
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-12), key


def test_a_group_figure_is_not_an_average_of_percentages(latest, spec):
    _, comparison = latest
    field = next(f for f in spec.indicators if f.unit == "percentage" and f.parsed_expression and f.parsed_expression.ratio)
    rows = comparison.for_field(field.id).dropna(subset=["value"])
    london = comparison.group_value("London", "London", field.id)
    assert london != pytest.approx(rows.value.mean(), rel=1e-6)


def test_counts_are_summed_for_groups(latest, spec):
    values, comparison = latest
    field = next(f for f in spec.indicators if f.unit == "count" and f.max is None and not f.derived)
    rows = values[(values.field_id == field.id) & (values.rating != spec.not_available_rating)]
    assert comparison.group_value("London", "London", field.id) == rows.number.sum()


def test_derived_figures_are_worked_out_again_from_the_counts(latest, synthetic_store, spec):
    values, comparison = latest
    la_code, field_id = synthetic_store.tampered
    ratio = spec.fields[field_id].parsed_expression.ratio
    numbers = values[values.la_code == la_code].set_index("field_id").number
    in_file = numbers[field_id]
    expected = numbers[ratio.numerator] / numbers[ratio.denominator] * ratio.multiplier
    got = comparison.authorities.set_index(["la_code", "field_id"]).loc[(la_code, field_id), "value"]
    assert got == pytest.approx(expected) and got != pytest.approx(in_file)
    recomputed = recompute_derived(values, spec)
    row = recomputed[(recomputed.la_code == la_code) & (recomputed.field_id == field_id)]
    assert row.number.iloc[0] == pytest.approx(expected)


def test_statuses_say_what_is_missing_not_available_and_estimated(latest, synthetic_store):
    _, comparison = latest
    a = comparison.authorities.set_index(["la_code", "field_id"])
    for la_code in synthetic_store.missing:
        rejected = la_code == synthetic_store.rejected
        assert set(comparison.for_authority(la_code).status) == {
            "rejected: awaiting a corrected return" if rejected else "no return"}, "rejected is not missing"
        assert la_code not in comparison.returned
    assert comparison.rejected == [synthetic_store.rejected]
    for key in synthetic_store.not_available:
        assert a.loc[key, "status"] == "not available" and math.isnan(a.loc[key, "value"])
    for key in synthetic_store.estimated:
        assert a.loc[key, "status"] == "estimated" and not math.isnan(a.loc[key, "value"])
    assert len(comparison.returned) == 31


def test_rates_of_a_not_available_count_are_not_available_and_left_out_of_london(latest, synthetic_store, spec):
    _, comparison = latest
    la_code, count_id = synthetic_store.not_available[0]
    dependants = [f for f in spec.indicators if f.derived and count_id in f.parsed_expression.names]
    for f in dependants:
        row = comparison.authorities[(comparison.authorities.la_code == la_code) & (comparison.authorities.field_id == f.id)]
        assert row.status.iloc[0] == "not available"
        london = comparison.groups[(comparison.groups.group_type == "London") & (comparison.groups.field_id == f.id)]
        assert london.authorities.iloc[0] == 30


def test_ratios_have_intervals_around_their_value_and_a_verdict_against_london(latest, spec):
    _, comparison = latest
    ratio_ids = [f.id for f in spec.indicators if f.derived and f.parsed_expression.ratio]
    rows = comparison.authorities[comparison.authorities.field_id.isin(ratio_ids)].dropna(subset=["value"])
    assert (rows.lower <= rows.value + 1e-9).all() and (rows.value <= rows.upper + 1e-9).all()
    assert set(rows[~rows.small].vs_london) <= {"better", "similar", "worse", "higher", "lower"}
    assert set(rows[rows.small].vs_london) == {"small number"}
    counts = comparison.authorities[~comparison.authorities.field_id.isin(ratio_ids)]
    assert set(counts.vs_london) == {"not compared"}


def test_rank_and_quartile_follow_polarity(latest, spec):
    _, comparison = latest
    field = next(f for f in spec.indicators if f.polarity == "lower_is_better" and f.derived)
    rows = comparison.for_field(field.id).dropna(subset=["value"])
    best = rows.sort_values("value").iloc[0]
    assert best["rank"] == 1 and best["quartile"] == 1
    assert rows["rank"].max() == len(rows)


def test_spread_summarises_the_authorities(latest, spec):
    _, comparison = latest
    field = spec.indicators[2]
    values = comparison.for_field(field.id).value.dropna()
    row = comparison.spread.set_index("field_id").loc[field.id]
    assert row["median"] == pytest.approx(values.median())
    assert row.lowest == values.min() and row.highest == values.max() and row.n == len(values)


def test_yes_no_indicators_count_the_yes_answers(latest, spec):
    _, comparison = latest
    field = next(f for f in spec.indicators if f.unit == "yes_no")
    yes = (comparison.for_field(field.id).text == "Yes").sum()
    london = comparison.groups[(comparison.groups.group_type == "London") & (comparison.groups.field_id == field.id)]
    assert london.value.iloc[0] == yes and london.text.iloc[0] == f"{yes} of 31 Yes"


def test_a_change_is_an_improvement_only_where_the_intervals_do_not_overlap(spec):
    def figure(value, lower, upper, small=False):
        return {"value": value, "lower": lower, "upper": upper, "small": small}

    better, worse, neither = spec.fields["NI60"], spec.fields["NI65"], spec.fields["CSC_S47_RATE"]
    assert better.polarity == "higher_is_better" and worse.polarity == "lower_is_better"
    apart = (figure(50, 45, 55), figure(70, 65, 75))
    assert direction_of_travel(*apart, better, spec) == "improving"
    assert direction_of_travel(*apart, worse, spec) == "worsening"
    assert direction_of_travel(*reversed(apart), worse, spec) == "improving"
    assert direction_of_travel(*apart, neither, spec) == "higher"
    overlapping = (figure(50, 40, 60), figure(58, 48, 68))
    assert direction_of_travel(*overlapping, better, spec) == "no significant change"
    assert direction_of_travel(figure(50, 45, 55, small=True), figure(70, 65, 75), better, spec) == "small number"
    assert direction_of_travel(figure(math.nan, 0, 0), figure(70, 65, 75), better, spec) == "no comparison"
    count = spec.fields["CAIT_CRIMES"]
    assert direction_of_travel(figure(10, None, None), figure(12, None, None), count, spec) == "higher"
    assert direction_of_travel(figure(10, None, None), figure(10, None, None), count, spec) == "no change"


def test_trends_cover_every_period_and_area(synthetic_store, spec, register):
    values = synthetic_store.store.values_in_use("dataset")
    trends = compare_trends(spec, register, values)
    assert list(dict.fromkeys(trends.period)) == list(synthetic_store.periods) or set(trends.period) == set(synthetic_store.periods)
    first = trends[trends.period == synthetic_store.periods[0]]
    assert set(first.direction) == {"no comparison"}
    latest = trends[(trends.period == synthetic_store.latest) & (trends.area_type == "London")]
    assert len(latest) == len(spec.indicators)
    assert latest.direction.isin(["improving", "worsening", "no significant change", "no change", "higher", "lower",
                                  "small number", "no comparison"]).all()
    missing = trends[(trends.area == synthetic_store.missing[0]) & (trends.period == synthetic_store.latest)]
    assert set(missing.direction) == {"no comparison"}


def test_small_numbers_are_suppressed_and_zero_stays_zero(spec, register):
    count = next(f for f in spec.indicators if f.derived and f.parsed_expression.ratio and f.unit == "percentage")
    ratio = count.parsed_expression.ratio
    rows = []
    for la_code, numerator, denominator in (("301", 3, 40), ("302", 0, 40), ("303", 6, 40)):
        for field_id, number in ((ratio.numerator, numerator), (ratio.denominator, denominator),
                                 (count.id, numerator / denominator * 100)):
            rows.append({"la_code": la_code, "period": "2026-27", "field_id": field_id, "value": str(number),
                         "number": float(number)})
    values = pd.DataFrame(rows).assign(rating="", comment="note")
    comparison = compare_period(spec, register, values, "2026-27", suppress=True)
    suppressed = suppressed_values(values, spec, [comparison]).set_index(["la_code", "field_id"])
    assert suppressed.loc[("301", ratio.numerator), "value"] == SUPPRESSED
    assert math.isnan(suppressed.loc[("301", ratio.numerator), "number"])
    assert suppressed.loc[("301", count.id), "value"] == SUPPRESSED
    assert suppressed.loc[("302", ratio.numerator), "number"] == 0
    assert suppressed.loc[("302", count.id), "number"] == 0
    assert suppressed.loc[("303", ratio.numerator), "value"] == SUPPRESSED, \
        "6 is hidden too: else London's total less 0 and 6 gives the 3 away"
    assert comparison.protection.secondary == {("303", ratio.numerator)}
    assert suppressed.loc[("301", ratio.numerator), "comment"] == "", "a comment can repeat the hidden number"


def test_a_suppressed_comparison_hides_every_figure_resting_on_a_small_count(latest, spec):
    values, comparison = latest
    hidden = compare_period(spec, comparison.register, values, comparison.period, suppress=True)
    small_counts = {f.id for f in spec.indicators if f.unit == "count" and not f.derived and f.max is None}
    a = hidden.authorities
    shown_counts = a[a.field_id.isin(small_counts)].value.dropna()
    assert not shown_counts.between(1, 5).any()
    assert not a.numerator.dropna().between(1, 5).any() and not a.denominator.dropna().between(1, 5).any()
    assert a.suppressed.any()
    assert a.loc[a.suppressed, "rank"].isna().all()
    shown = hidden.groups[~hidden.groups.suppressed]
    assert (shown.value.dropna() == comparison.groups.value[shown.value.dropna().index]).all(), \
        "group figures shown are worked out from the full counts"


def test_group_changes_are_like_for_like(synthetic_store, spec, register):
    """London's change rests only on authorities with a figure in both periods; the one missing now is left out."""
    values = synthetic_store.store.values_in_use("dataset")
    trends = compare_trends(spec, register, values)
    f = spec.fields["CSC_S47_RATE"]
    row = trends[(trends.area_type == "London") & (trends.period == synthetic_store.latest)
                 & (trends.field_id == f.id)].iloc[0]
    names = {a.la_code: a.name for a in register}
    assert row.left_out == ", ".join(sorted((names[m] for m in synthetic_store.missing), key=list(names.values()).index))
    wide = values[values.field_id.isin(["CSC_S47", "POP_0_17"])].pivot_table(
        index=["period", "la_code"], columns="field_id", values="number", aggfunc="first")
    both = set(wide.loc[synthetic_store.periods[0]].index) & set(wide.loc[synthetic_store.latest].index)
    assert row.authorities == len(both) == 31
    for period, column in ((synthetic_store.periods[0], "previous"), (synthetic_store.latest, "current_like")):
        part = wide.loc[period].loc[sorted(both)]
        assert row[column] == pytest.approx(part.CSC_S47.sum() / part.POP_0_17.sum() * 10_000)
    everyone = wide.loc[synthetic_store.periods[0]]
    assert row.previous != pytest.approx(everyone.CSC_S47.sum() / everyone.POP_0_17.sum() * 10_000), \
        "the earlier period's full London figure includes the two authorities missing now"
