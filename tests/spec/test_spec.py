import pytest
from click.testing import CliRunner

from lscb_workbooks.cli import main
from lscb_workbooks.spec.expressions import ExpressionError, parse_expression
from lscb_workbooks.spec.load import SpecError, check_spec_text, load_spec
from lscb_workbooks.spec.periods import PeriodError, parse_period
from lscb_workbooks.spec.register import check_register

GOOD = """\
id: tiny
title: Tiny
version: "1"
template_version: "1"
themes: [{id: safe, title: Safe}]
agencies: [{id: csc, title: Social care}]
sections:
  - id: form
    title: Form
    sheet: Return
    rated: true
    fields:
      - {id: A, label: All, unit: count, theme: safe, agency: csc}
      - {id: N, label: Some, unit: count, theme: safe, agency: csc}
      - {id: P, label: Share, unit: percentage, theme: safe, agency: csc, expression: N / A * 100}
rules:
  - {id: parts, kind: sum_not_more_than, fields: [N, N], limit: A, severity: warning, message: Check.}
"""


def problems_of(text):
    return check_spec_text(text, "tiny.yaml")[1]


def test_the_shipped_dataset_is_built_from_the_reference(spec):
    assert spec.id == "dataset"
    assert len(spec.indicators) >= 40
    derived = [f for f in spec.form_fields if f.derived]
    assert {"CSC_REREF", "NI65", "CP_START_RATE", "LAC_RATE"} <= {f.id for f in derived}
    assert all(f.source for f in spec.indicators), "every indicator keeps its definition's source"
    # the reference marks NI 59 as unverified: keep the definition, leave the number out
    assert spec.fields["CSC_IA_7WD"].national_indicator is None
    assert spec.fields["NI60"].national_indicator == "NI 60"
    assert spec.fields["CP_START_RATE"].parsed_expression.ratio.multiplier == 10_000


def test_percentages_imply_numerator_within_denominator(spec):
    rules = {r.id: r for r in spec.all_rules}
    assert rules["NI65_numerator_within_denominator"].fields == ["CP_REPEAT"]
    assert rules["NI65_numerator_within_denominator"].limit == "CP_START"


def test_a_good_spec_has_no_problems():
    spec, problems = check_spec_text(GOOD, "tiny.yaml")
    assert problems == [] and spec.fields["P"].derived


def test_unknown_key_is_named_with_its_line():
    [problem] = problems_of(GOOD.replace("rated: true", "rated: true\n    colour: red"))
    assert problem.line == 12 and "unknown key 'colour'" in problem.message


def test_duplicate_id_rule_on_missing_field_and_unknown_expression_name():
    text = GOOD.replace("id: N, label: Some", "id: A, label: Some").replace("limit: A", "limit: GONE")
    messages = [str(p) for p in problems_of(text.replace("N / A", "N / ZZ"))]
    assert any("duplicate field id 'A'" in m and "tiny.yaml:14" in m for m in messages)
    assert any("'GONE', which the spec does not define" in m for m in messages)
    assert any("expression uses 'ZZ'" in m for m in messages)


def test_expressions_are_plain_arithmetic_only():
    with pytest.raises(ExpressionError):
        parse_expression("__import__('os').system('x')")
    expression = parse_expression("N / A * 100")
    assert expression.evaluate({"N": 5, "A": 20}) == 25
    assert expression.evaluate({"N": 5, "A": 0}) is None
    assert expression.evaluate({"N": None, "A": 3}) is None
    assert expression.to_excel(lambda n: {"N": "$D$5", "A": "$D$4"}[n]) == '=IF(OR($D$4="",$D$5="",$D$4=0),"",(($D$5/$D$4)*100))'


@pytest.mark.parametrize("text, values, expected", [
    ("A + B - C", {"A": 1, "B": 2.5, "C": 4}, -0.5),
    ("-A * 2 + 10", {"A": 3}, 4.0),
    ("(A + B) / (C - D) * 100", {"A": 1, "B": 2, "C": 7, "D": 1}, 50.0),
    ("(A + B) / (C - D) * 100", {"A": 1, "B": 2, "C": 7, "D": 7}, None),
    ("A / B", {"A": 0, "B": 0}, None),
    ("A - B", {"A": 2}, None),
    ("1 / 3 * A", {"A": 3}, 1 / 3 * 3),
])
def test_expressions_work_out_as_arithmetic_does(text, values, expected):
    assert parse_expression(text).evaluate(values) == expected


def test_an_expression_worked_out_can_still_be_sent_to_another_process():
    """A spec whose figures were worked out goes, pickled, to the process that checks a large intake."""
    import pickle

    expression = parse_expression("N / A * 100")
    assert expression.evaluate({"N": 1, "A": 4}) == 25
    copy = pickle.loads(pickle.dumps(expression))
    assert copy.text == "N / A * 100" and copy.evaluate({"N": 3, "A": 4}) == 75
    assert copy.evaluate({"N": 3, "A": None}) is None


def test_bad_yaml_is_a_problem_not_a_traceback():
    [problem] = problems_of("id: [unclosed")
    assert "not valid YAML" in problem.message


def test_load_spec_by_unknown_name_lists_collections():
    with pytest.raises(SpecError, match="collections: .*dataset"):
        load_spec("nonesuch")


@pytest.mark.parametrize("text, expected", [("2007-08", "2007-08"), ("2007-08-Q4", "2007-08-Q4"), (" 2026-27 ", "2026-27")])
def test_periods(text, expected):
    assert str(parse_period(text)) == expected


def test_period_dates_and_order():
    q4 = parse_period("2007-08-Q4")
    assert (q4.start.isoformat(), q4.end.isoformat()) == ("2008-01-01", "2008-03-31")
    assert str(q4.previous()) == "2007-08-Q3" and str(q4.next()) == "2008-09-Q1"
    assert str(parse_period("2007-08").previous()) == "2006-07"


@pytest.mark.parametrize("text", ["2007-09", "2007/08", "FY2007", "2007-08-Q5"])
def test_bad_periods(text):
    with pytest.raises(PeriodError):
        parse_period(text)


def test_register_has_33_authorities_and_hubs_of_at_most_seven(register):
    assert len(register) == 33
    assert register.by_code("201").name == "City of London"
    assert 6 <= len(register.hubs) <= 7
    for hub in register.hubs:
        members = register.in_hub(hub)
        assert len(members) <= 7, "a hub coordinates up to six neighbours"
        assert any(a.is_hub for a in members)


def test_register_problems_are_named(tmp_path):
    path = tmp_path / "authorities.csv"
    path.write_text("la_code,name,ons_code,inner_outer,sub_region,hub,coordinator_email\n"
                    "30,Barnet,E09000003,Outer,North Central,Barnet,not-an-email\n"
                    "302,Barnet,E09000004,Outer,North Central,Nowhere,\n")
    messages = [str(p) for p in check_register(path)[1]]
    assert any(":2: la_code: '30' is not a three-digit DfE code" in m for m in messages)
    assert any("'not-an-email' is not an email address" in m for m in messages)
    assert any("hub 'Nowhere' is not an authority" in m for m in messages)


def test_cli_spec_check(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["spec", "check"])
    assert ok.exit_code == 0 and "dataset.yaml" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("limit: A", "limit: GONE"))
    result = runner.invoke(main, ["spec", "check", str(bad)])
    assert result.exit_code == 1
    assert "rule names field 'GONE'" in result.output
    assert "Traceback" not in result.output


def test_counts_are_volumes_and_the_spec_says_which_comparisons_apply(spec):
    assert spec.fields["CSC_S47"].comparisons == ()
    assert spec.fields["CSC_S47_RATE"].comparisons == ("rank", "quartile", "significance", "spine")
    assert spec.fields["NI71"].unit == "score" and "significance" not in spec.fields["NI71"].comparisons
    assert spec.small_denominator == 30
    for f in spec.form_fields:
        assert "x 10,000" not in f.definition, f"{f.id}: a count is a count; the rate is worked out"
    ranked_count = GOOD.replace("{id: A, label: All, unit: count, theme: safe, agency: csc}",
                                "{id: A, label: All, unit: count, theme: safe, agency: csc, compare: [rank]}")
    assert any("'A' is a count: counts are volumes" in p.message for p in problems_of(ranked_count))
    tested_share = GOOD.replace("expression: N / A * 100}", "expression: N / A * 100, compare: [rank, significance]}")
    assert problems_of(tested_share) == []
    untested = GOOD.replace("expression: N / A * 100}", "expression: N + A, compare: [significance]}")
    assert any("'significance' needs a rate or percentage" in p.message for p in problems_of(untested))


def test_a_score_has_its_bounds_and_is_never_derived():
    score = GOOD.replace("{id: N, label: Some, unit: count, theme: safe, agency: csc}",
                         "{id: N, label: Some, unit: score, theme: safe, agency: csc}")
    assert any("a score is collected, with both min and max" in p.message for p in problems_of(score))


def test_each_number_gets_its_own_open_data_column(tmp_path):
    from lscb_workbooks.spec.load import check_spec_text, spec_path

    text = spec_path("dataset").read_text(encoding="utf-8")
    clashing = text.replace("  - id: CSC_REF\n", "  - id: CSC_REF\n    open_data_column: pop_0_17\n", 1)
    _, problems = check_spec_text(clashing, "dataset.yaml")
    assert any("open-data column 'pop_0_17' is also POP_0_17's" in str(p) for p in problems)
    bad_name = text.replace("  - id: CSC_REF\n", "  - id: CSC_REF\n    open_data_column: Referrals\n", 1)
    _, problems = check_spec_text(bad_name, "dataset.yaml")
    assert problems and "open_data_column" in str(problems[0])


def test_an_indicator_shows_short_words_of_its_own_where_space_is_short(spec):
    long_label = "Children becoming the subject of a child protection plan for a second time"
    too_long = problems_of(GOOD.replace("label: Some,", f"label: {long_label},"))
    assert len(too_long) == 1 and "give a short_label of at most 40" in too_long[0].message
    assert too_long[0].line == 14, "the line of the field"
    fixed = GOOD.replace("label: Some,", f"label: {long_label}, short_label: Second CP plans,")
    assert problems_of(fixed) == []
    clash = problems_of(GOOD.replace("label: Some,", "label: Some, short_label: all,"))
    assert len(clash) == 1 and "also the short label of A" in clash[0].message
    shown = [f.short for f in spec.indicators]
    assert len(set(shown)) == len(shown) and max(map(len, shown)) <= 40
    assert spec.fields["NI65"].short != spec.fields["CP_START_RATE"].short
    same = problems_of(GOOD.replace("label: Some,", "label: All,"))
    assert len(same) == 1 and "also the label of A" in same[0].message
    labels = [f.label.casefold() for f in spec.indicators]
    assert len(set(labels)) == len(labels), "no two indicators are called the same"
