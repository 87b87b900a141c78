"""What the figures are used to say: counts are volumes, small numbers are marked, a hub is compared with
London, and a rejected return is not a missing one. Read back from the workbooks and CSVs written."""

from __future__ import annotations

import csv
import shutil

import openpyxl
import pytest

from lscb_workbooks.collate import write_outputs
from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.register import load_register
from lscb_workbooks.store.db import Store
from test_master import table_rows

HUB = "Lewisham"


@pytest.fixture(scope="module")
def written(synthetic_store_file, tmp_path_factory):
    """The outputs of one round for all of London, and for one hub's own report."""
    source, facts = synthetic_store_file
    folder = tmp_path_factory.mktemp("figures")
    shutil.copyfile(source, folder / "store.sqlite")
    spec, register = load_spec("dataset"), load_register()
    store = Store(folder / "store.sqlite")
    try:
        london = write_outputs(store, spec, register, folder / "london", facts.latest)
        hub = write_outputs(store, spec, register, folder / "hub", facts.latest,
                            focus=register.in_hub(HUB))
    finally:
        store.close()
    return {"facts": facts, "london": london, "hub": hub, "spec": spec, "register": register,
            "book": openpyxl.load_workbook(london.master), "hub_book": openpyxl.load_workbook(hub.master)}


def profile_rows(path) -> dict[str, dict]:
    """The Profile sheet's indicator rows by Ref, under their column headings."""
    sheet = openpyxl.load_workbook(path)["Profile"]
    rows = {}
    for table in sheet.tables.values():
        header, *body = [[c.value for c in row] for row in sheet[table.ref]]
        rows |= {values[0]: dict(zip(header, values)) for values in body}
    return rows


def counts(spec):
    return [f for f in spec.indicators if f.is_count]


def test_counts_are_shown_but_never_ranked_quartiled_or_compared(written):
    spec, book = written["spec"], written["book"]
    names = set()
    blocks = {t for ws in book.worksheets for t in ws.tables}
    for f in counts(spec):
        if f"{f.theme}_{f.id}" not in blocks:  # a count with a rate sits inside the rate's table
            continue
        rows = table_rows(book, f"{f.theme}_{f.id}")
        assert not {"Rank", "Quartile", "Compared with London"} & set(rows[0]), f.id
        assert any(isinstance(r["Value"], (int, float)) for r in rows), f.id
        names.add(f.id)
    assert {"CAIT_CRIMES", "APPROP_ADULT", "EXCL_FIXED"} <= names
    by_ref = profile_rows(written["london"].profiles[0])
    for f in counts(spec):
        row = by_ref[f.id]
        assert row["Rank in London"] is None and row["Quartile"] is None, f.id
        assert row["Compared with London"] == "Not compared", f.id


def test_counts_with_a_population_have_their_rates_and_the_rates_are_ranked(written):
    spec, book = written["spec"], written["book"]
    for count, rate in (("CSC_S47", "CSC_S47_RATE"), ("CSC_REF", "CSC_REF_RATE"), ("CP_END", "CP_END_RATE"),
                        ("CIN_END", "CIN_RATE"), ("LAC_END", "LAC_RATE"), ("INJ_ADM", "HEALTH_INJ_ADM")):
        f = spec.fields[rate]
        assert f.parsed_expression.ratio.numerator == count
        rows = table_rows(book, f"{f.theme}_{f.id}")
        assert sorted(r["Rank"] for r in rows if isinstance(r["Rank"], int))[0] == 1, rate


def test_count_charts_draw_the_london_median_never_the_london_total(written):
    spec, book = written["spec"], written["book"]
    data = book["Chart data"]
    rows = list(data.iter_rows(values_only=True))
    for f in [spec.fields["CAIT_CRIMES"], spec.fields["APPROP_ADULT"]]:
        start = next(i for i, r in enumerate(rows) if r[0] == f"{f.id}: {f.label}")
        header = rows[start + 1]
        assert "London" not in header and "London median (middle authority)" in header
        col = header.index("London median (middle authority)")
        groups = {r["London and groups"]: r for r in table_rows(book, f"{f.theme}_{f.id}_groups")}
        line = rows[start + 2][col]
        assert line == pytest.approx(groups["Median authority"]["Value"])
        assert line < groups["London"]["Value"] / 5, "the London total would flatten every bar"


def test_small_denominators_are_marked_not_ranked_nor_called_better_or_worse(written):
    spec, book = written["spec"], written["book"]
    marked = 0
    for f in spec.indicators:
        if "significance" not in f.comparisons:
            continue
        for r in table_rows(book, f"{f.theme}_{f.id}"):
            if isinstance(r["Denominator"], (int, float)) and r["Denominator"] < spec.small_denominator:
                assert r["Rank"] is None and r["Quartile"] is None, (f.id, r["Authority"])
                assert r["Compared with London"] == "small number", (f.id, r["Authority"])
                assert r["Lower 95%"] <= r["Value"] <= r["Upper 95%"], "shown with its interval"
                marked += 1
            elif isinstance(r["Value"], (int, float)):
                assert r["Compared with London"] != "small number"
    assert marked >= 3
    contents = " ".join(str(c) for row in book["Contents"].iter_rows(values_only=True) for c in row if c)
    assert "below 30" in contents


def test_ranks_leave_no_gap_and_ties_share_the_best_rank(written):
    spec, book = written["spec"], written["book"]
    f = spec.fields["CSC_S47_RATE"]
    ranks = sorted(r["Rank"] for r in table_rows(book, f"{f.theme}_{f.id}") if isinstance(r["Rank"], int))
    assert ranks == list(range(1, len(ranks) + 1))


def test_rejected_is_not_missing_on_theme_sheets_and_in_data_quality(written):
    facts, book, register = written["facts"], written["book"], written["register"]
    names = {a.la_code: a.name for a in register}
    rejected, missing = names[facts.rejected], names[next(m for m in facts.missing if m != facts.rejected)]
    f = written["spec"].fields["CSC_S47_RATE"]
    rows = {r["Authority"]: r for r in table_rows(book, f"{f.theme}_{f.id}")}
    assert rows[rejected]["Value"] == "rejected", "short enough for a figure's column"
    assert rows[rejected]["Data quality"] == "Rejected: awaiting a corrected return"
    assert rows[missing]["Value"] == "no return"
    overview = next(t for ws in book.worksheets for t in ws.tables if t.startswith(f"Overview_{f.theme}"))
    shown = {r["Authority"]: set(v for k, v in r.items() if k not in ("Authority", "Hub"))
             for r in table_rows(book, overview)}
    assert shown[rejected] == {"rejected"} and shown[missing] == {"no return"}


def test_a_hub_report_compares_its_authorities_with_all_of_london(written):
    london, hub = written["book"], written["hub_book"]
    register = written["register"]
    members = {a.name for a in register.in_hub(HUB)}
    f = written["spec"].fields["CSC_S47_RATE"]
    everywhere = {r["London and groups"]: r for r in table_rows(london, f"{f.theme}_{f.id}_groups")}
    here = {r["London and groups"]: r for r in table_rows(hub, f"{f.theme}_{f.id}_groups")}
    assert here["London"]["Value"] == pytest.approx(everywhere["London"]["Value"]), "London is all of London"
    assert here["London"]["Authorities"] == everywhere["London"]["Authorities"] > len(members)
    assert here[f"{HUB} hub"]["Value"] == pytest.approx(everywhere[f"{HUB} hub"]["Value"])
    assert set(here) - {"London", f"{HUB} hub", "Inner London", "Outer London"} <= {
        "Median authority", "25th percentile", "75th percentile"}, "only this hub is shown"
    block = {r["Authority"]: r for r in table_rows(hub, f"{f.theme}_{f.id}")}
    assert set(block) == members
    whole = {r["Authority"]: r["Rank"] for r in table_rows(london, f"{f.theme}_{f.id}")}
    assert {name: r["Rank"] for name, r in block.items()} == {name: whole[name] for name in members}, \
        "ranked within London"
    profile = openpyxl.load_workbook(written["hub"].profiles[0])["Profile"]
    intro = profile["A2"].value
    assert "of 33 authorities returned" in intro and f"{HUB} hub" in intro
    ranks = [r["Rank in London"] for r in profile_rows(written["hub"].profiles[0]).values()
             if isinstance(r["Rank in London"], str) and " of " in r["Rank in London"]]
    assert ranks and all(int(r.split(" of ")[1]) > len(members) for r in ranks)
    assert {p.stem.split("-", 1)[1] for p in written["hub"].profiles} <= {m.replace(" ", "-") for m in members} | members


def test_values_csv_writes_numbers_as_numbers_and_guards_only_text(written):
    with open(written["london"].out_dir / "values.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    negative = [r["value"] for r in rows if r["value"].startswith("-")]
    assert negative, "the synthetic round has falls in killed or seriously injured (NI48 below 0)"
    assert all(float(v) < 0 for v in negative)
    assert not [r["value"] for r in rows if r["value"].startswith("'-") and r["value"][2:3].isdigit()]


def test_each_authority_has_its_previous_value_and_change_beside_the_current_one(written):
    spec, book, facts = written["spec"], written["book"], written["facts"]
    f = spec.fields["NI60"]
    rows = [r for r in table_rows(book, f"{f.theme}_{f.id}") if isinstance(r["Value"], float)]
    before = facts.periods[0]
    assert rows and all(f"Previous ({before})" in r for r in rows)
    for r in rows:
        assert r["Change"] == pytest.approx(r["Value"] - r[f"Previous ({before})"])
        assert r["Change since previous"] in {"improving", "worsening", "no significant change", "small number"}
    profile = profile_rows(written["london"].profiles[0])[f.id]
    assert profile["Change"] == pytest.approx(profile["Value"] - profile["Previous"])
    assert profile["Change since previous"] in {"Improving", "Worsening", "No significant change",
                                                "Small number: not compared"}


def test_the_trends_sheet_says_which_authorities_the_group_changes_leave_out(written):
    book, facts, register = written["book"], written["facts"], written["register"]
    names = {a.la_code: a.name for a in register}
    changes = [r for r in table_rows(book, "Group_changes") if r["Area"] == "London" and r["Reference"] == "NI60"]
    assert changes[0]["Authorities"] <= 31
    assert all(names[m] in changes[0]["Left out (returned in one period only)"] for m in facts.missing)
    assert changes[0]["Direction"] in {"improving", "worsening", "no significant change"}


def test_a_rejected_authority_gets_a_profile_that_says_so(written):
    facts, register = written["facts"], written["register"]
    rejected = register.by_code(facts.rejected)
    missing = next(m for m in facts.missing if m != facts.rejected)
    stems = {p.stem.split("-")[0]: p for p in written["london"].profiles}
    assert missing not in stems, "no return, no profile"
    rows = profile_rows(stems[rejected.la_code])
    values = {r["Value"] for r in rows.values()}
    assert values == {"rejected: awaiting a corrected return"}
    assert {r["Data quality"] for r in rows.values()} == {"Rejected: awaiting a corrected return"}
    intro = openpyxl.load_workbook(stems[rejected.la_code])["Profile"]["A2"].value
    assert "was rejected" in intro and "awaiting a corrected return" in intro


def test_a_score_is_summarised_by_its_median_with_no_rate_arithmetic(written):
    spec, book = written["spec"], written["book"]
    f = spec.fields["NI71"]
    assert f.unit == "score" and "significance" not in f.comparisons
    rows = table_rows(book, f"{f.theme}_{f.id}")
    assert "Lower 95%" not in rows[0] and "Compared with London" not in rows[0]
    scores = sorted(r["Value"] for r in rows if isinstance(r["Value"], (int, float)))
    groups = {r["London and groups"]: r for r in table_rows(book, f"{f.theme}_{f.id}_groups")}
    import statistics
    assert groups["London"]["Value"] == statistics.median(scores)


def test_a_small_number_has_no_mark_on_the_spine_chart_and_says_why(written):
    spec = written["spec"]
    city = next(p for p in written["london"].profiles if p.stem.startswith("201-"))
    rows = profile_rows(city)
    small = [ref for ref, r in rows.items() if r["Compared with London"] == "Small number: not compared"]
    assert small, "the City of London's small denominators"
    labels = [r[2] for r in openpyxl.load_workbook(city)["Chart data"].iter_rows(min_row=4, values_only=True)]
    marked = [label for label in labels if label and label.endswith("(small number: not marked)")]
    assert len(marked) == len([ref for ref in small if "spine" in spec.fields[ref].comparisons])
    assert all(rows[ref]["Rank in London"] is None for ref in small)


def test_the_printed_trends_page_shows_london_and_every_groups_direction_per_indicator(written):
    book = written["book"]
    rows = table_rows(book, "London_changes")
    groups = [h for h in rows[0] if h not in ("Indicator",) and not str(h).startswith("London")]
    assert rows and "Inner London" in groups and "Outer London" in groups
    for r in rows:
        assert {r[g] for g in groups + ["London"]} <= {"I", "W", "=", "H", "L", "*", "", None}
    assert book["Trend figures"].print_area, "every group's figures are on screen only"
