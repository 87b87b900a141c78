"""The store's queries of figures: what each gives, and that none has to read every value in the store."""

from __future__ import annotations

import pandas as pd

from lscb_workbooks.store.db import Checked, Store, Submission, figures_query, values_query
from lscb_workbooks.validation.records import ValueRecord

PERIODS = ("2026-27-Q3", "2026-27-Q4")


def _return(n: int, la_code: str, period: str, outcome: str) -> Checked:
    submission = Submission(path=f"{n}.xlsx", file=f"{n}.xlsx", sha256=f"{n:064d}", source="inbox", sender=None,
                            sent_at=None, modified_at=None, received_at=f"2027-04-01T09:{n:02d}:00+00:00",
                            received_basis="file modified time", outcome=outcome, message=outcome,
                            collection="dataset", la_code=la_code, period=period)
    values = [ValueRecord(la_code, period, section, field, str(n + k), float(n + k), "Return", f"D{k}",
                          rating="Estimated" if k == 1 else "", comment="é" if k == 2 else "")
              for k, (section, field) in enumerate([("csc", "CSC_REF"), ("cp", "CP_START"), ("csc", "CSC_S47")])]
    values.append(ValueRecord(la_code, period, "challenges", "agency", "Police", None, "Challenges", "B6",
                              row_number=1))
    return Checked(submission, values)


def store_of_returns(tmp_path) -> Store:
    store = Store(tmp_path / "store.sqlite")
    n = 0
    for period in PERIODS:
        for la_code, outcome in (("303", "accepted"), ("201", "accepted_with_warnings"), ("202", "rejected"),
                                 ("204", "accepted")):
            n += 1
            store.add(_return(n, la_code, period, outcome))
    return store


def test_a_periods_figures_are_the_form_values_in_use_in_the_same_order(tmp_path):
    store = store_of_returns(tmp_path)
    try:
        for period in PERIODS:
            figures = store.figures_in_use("dataset", period)
            everything = store.values_in_use("dataset", period)
            form = everything[everything.row_number.isna()][list(figures.columns)].reset_index(drop=True)
            pd.testing.assert_frame_equal(figures, form)
            assert sorted(set(figures.la_code)) == ["201", "204", "303"], "rejected returns are not in use"
            assert list(figures.la_code) == sorted(figures.la_code), "by authority, as values_in_use"
            assert set(figures.period) == {period}
    finally:
        store.close()


def test_every_query_of_values_finds_them_through_their_submissions(tmp_path):
    """What SQLite plans for each query: the period's submissions first, then their values by index."""
    store = store_of_returns(tmp_path)
    try:
        queries = [values_query("dataset", PERIODS[0]), values_query("dataset"), figures_query("dataset", PERIODS[0])]
        for query, params in queries:
            plan = [row[3] for row in store.db.execute("EXPLAIN QUERY PLAN " + query, params)]
            assert any("values_by_submission" in step for step in plan), plan
            assert not any(step.startswith("SCAN v") for step in plan), plan
    finally:
        store.close()
