"""A suppressed pack attacked as a reader of it would: no count from 1 to 5 comes back by any route tried.

The demo's round (33 authorities, two periods, the City of London's counts
mostly from 1 to 5) is collated, then reported with `--suppress` for London
and for the City's hub; each pack is then read cell by cell, hidden sheets,
chart caches and CSV included, and every hidden count is tried for.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from disclosure_attack import attack, chart_categories, tables_of, xml_parts
from lscb_workbooks.cli import main
from lscb_workbooks.outputs.comparison import inputs_of, is_small_number_count
from lscb_workbooks.store.db import Store

CITY = "201"


@pytest.fixture(scope="module")
def round_(tmp_path_factory, spec, register):
    """The demo round, a London pack and the City's hub pack, and the true counts of each period."""
    out = tmp_path_factory.mktemp("demo")
    runner = CliRunner()
    assert runner.invoke(main, ["demo", "--out", str(out)]).exit_code == 0
    store_path = out / "store.sqlite"
    store = Store(store_path)
    try:
        periods = store.periods("dataset")
        truth = {p: _counts(store.values_in_use("dataset", p), spec) for p in periods}
        messages = [m for m in store.issues().message if re.search(r"\d", str(m))]
    finally:
        store.close()
    latest = ["--period", periods[-1]]  # the later period, so that the packs have trends too
    result = runner.invoke(main, ["report", "--out", str(out), "--store", str(store_path), "--suppress", *latest])
    assert result.exit_code == 0, result.output
    hub = register.by_code(CITY).hub
    hub_out = out / "hub"
    result = runner.invoke(main, ["report", "--out", str(hub_out), "--store", str(store_path), "--suppress", "--hub", hub,
                                  *latest])
    assert result.exit_code == 0, result.output
    return {"out": out, "packs": {"London": out / "shared", "hub": hub_out / "shared"}, "truth": truth,
            "periods": periods, "messages": messages, "hub": hub}


def _counts(values, spec) -> dict[tuple[str, str], float]:
    counts = {f.id for f in spec.form_fields if is_small_number_count(f)}
    rows = values[values.field_id.isin(counts)]
    return {(str(la), f): float(n) for la, f, n in zip(rows.la_code, rows.field_id, rows.number) if n == n}


def _small(truth) -> set[tuple[str, str]]:
    return {k for k, v in truth.items() if 1 <= v <= 5}


def test_the_round_has_small_counts_to_protect(round_):
    latest = round_["truth"][round_["periods"][-1]]
    assert len({la for la, _ in _small(latest)}) >= 1 and len(_small(latest)) >= 10
    assert any(la == CITY for la, _ in _small(latest))


@pytest.mark.parametrize("which", ["London", "hub"])
def test_no_small_count_comes_back_from_the_pack(round_, spec, register, which):
    pack = round_["packs"][which]
    leaks, exposures = attack(pack, spec, register, round_["truth"][round_["periods"][-1]])
    assert not leaks, "\n".join(f"{x.la_code} {x.field_id} = {x.value:g} by {x.route}" for x in leaks[:20])
    assert not exposures, "\n".join(exposures[:20])


@pytest.mark.parametrize("which", ["London", "hub"])
def test_the_pack_holds_only_what_is_meant_for_sharing(round_, which):
    pack = round_["packs"][which]
    assert sorted(p.name for p in pack.iterdir()) == ["README.txt", "master.xlsx", "profiles", "values.csv"]
    assert "issues.csv" in (pack / "README.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("which", ["London", "hub"])
def test_no_message_quoting_a_figure_is_anywhere_in_the_pack(round_, which):
    pack = round_["packs"][which]
    assert round_["messages"], "the demo's warnings quote figures"
    for path in [pack / "master.xlsx", *sorted((pack / "profiles").glob("*.xlsx"))]:
        text = "\n".join(xml_parts(path).values())
        for message in round_["messages"]:
            assert _xml_escape(message)[:60] not in text, (path.name, message)


def _xml_escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")


def _hidden_fields(spec, truth, la_code: str) -> set[str]:
    """The fields of one authority that rest on a count from 1 to 5."""
    small = {f for la, f in _small(truth) if la == la_code}
    return {f for f, names in inputs_of(spec).items() if small & set(names)}


@pytest.mark.parametrize("which", ["London", "hub"])
def test_no_chart_draws_a_bar_for_a_hidden_figure(round_, spec, register, which):
    pack = round_["packs"][which]
    truth = round_["truth"][round_["periods"][-1]]
    labels = {re.sub(r"\s+", " ", text): f.id for f in spec.indicators for text in (f.label, f.short)}
    names = {a.name: a.la_code for a in register}
    charted = 0
    parts = xml_parts(pack / "master.xlsx")
    for part, categories, _ in chart_categories(pack / "master.xlsx"):
        title = " ".join(re.findall(r"<a:t>([^<]*)</a:t>", parts[part].split("</c:title>")[0]))
        field_id = labels.get(re.sub(r"\s+", " ", title).replace("&apos;", "'").strip())
        if field_id is None:
            continue
        charted += 1
        for name in categories:
            la = names.get(name.replace("&amp;", "&"))
            assert la is None or field_id not in _hidden_fields(spec, truth, la), (part, field_id, name)
    assert charted > 10


@pytest.mark.parametrize("which", ["London", "hub"])
def test_trend_markers_are_blank_wherever_either_period_is_hidden(round_, spec, register, which):
    pack = round_["packs"][which]
    previous, latest = (round_["truth"][p] for p in round_["periods"][-2:])
    names = {a.name: a.la_code for a in register}
    field_of = {f.short: f.id for f in spec.indicators}  # the headings are the indicators' short words
    [(headers, rows)] = [(h, r) for _, name, h, r in tables_of(pack / "master.xlsx") if name == "Direction_of_travel"]
    checked = 0
    for row in rows:
        la = names.get(row[0])
        if la is None:
            continue
        hidden = _hidden_fields(spec, previous, la) | _hidden_fields(spec, latest, la)
        for heading, letter in zip(headers[2:], row[2:]):
            if field_of[heading] in hidden:
                checked += 1
                assert letter in (None, ""), (row[0], field_id, letter)
    assert checked


@pytest.mark.parametrize("which", ["London", "hub"])
def test_profiles_put_no_mark_and_no_rank_on_a_hidden_figure(round_, spec, which):
    pack = round_["packs"][which]
    truth = round_["truth"][round_["periods"][-1]]
    [path] = (pack / "profiles").glob(f"{CITY}-*.xlsx")
    hidden = _hidden_fields(spec, truth, CITY)
    book = openpyxl.load_workbook(path)
    data = book["Chart data"]
    header = [c.value for c in data[3]]
    marks = [header.index(h) for h in header if h and "Authority mark" in h]
    ref = header.index("Ref")
    for row in data.iter_rows(min_row=4, values_only=True):
        if row[ref] in hidden:
            assert all(not row[i] for i in marks), row[ref]
    checked = 0
    for sheet, _, headers, rows in tables_of(path):
        if sheet != "Profile":
            continue
        for row in rows:
            cells = dict(zip(headers, row))
            if cells["Ref"] in hidden:
                checked += 1
                assert cells["Value"] == "c", cells
                assert not any(cells.get(h) for h in headers if h.startswith(("Rank", "Quartile", "Change"))), cells
    assert checked


def test_a_hub_pack_holds_the_hub_figures_only(round_, register):
    pack = round_["packs"]["hub"]
    hub = {a.la_code for a in register.in_hub(round_["hub"])}
    import csv

    with (pack / "values.csv").open(encoding="utf-8", newline="") as handle:
        assert {row["la_code"] for row in csv.DictReader(handle)} <= hub
    [(headers, rows)] = [(h, r) for sheet, _, h, r in tables_of(pack / "master.xlsx") if sheet == "Data"]
    assert {str(row[headers.index("Code")]) for row in rows if row[0]} <= hub
    assert {p.name.split("-")[0] for p in (pack / "profiles").glob("*.xlsx")} <= hub


def test_a_hub_pack_ranks_its_authorities_as_the_london_pack_does(round_, spec):
    """Ranks within all of London, over the figures shown: the same in both packs, so neither tells more."""
    def ranks(pack):
        out = {}
        for _, name, headers, rows in tables_of(pack / "master.xlsx"):
            if headers[0] == "Authority" and "Rank" in headers:
                for row in rows:
                    out[(name, row[0])] = (row[headers.index("Value")], row[headers.index("Rank")])
        return out

    london, hub = ranks(round_["packs"]["London"]), ranks(round_["packs"]["hub"])
    assert hub and all(london[key] == shown for key, shown in hub.items())


def test_london_and_hub_packs_hide_the_same_figures(round_):
    """One protection for the round, so two packs set side by side give nothing more than either."""
    import csv

    def hidden(pack):
        with (pack / "values.csv").open(encoding="utf-8", newline="") as handle:
            return {(r["la_code"], r["field_id"]): r["value"] == "c" for r in csv.DictReader(handle)}

    london, hub = hidden(round_["packs"]["London"]), hidden(round_["packs"]["hub"])
    assert any(hub.values()) and all(london[key] == is_hidden for key, is_hidden in hub.items())
