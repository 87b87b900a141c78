import hashlib

from lscb_workbooks.store.db import Checked, Store, Submission
from lscb_workbooks.validation.records import IssueRecord, ValueRecord


def _checked(sha256: str, figure: float, cell: str) -> Checked:
    submission = Submission(path=f"{sha256[:4]}.xlsx", file="return.xlsx", sha256=sha256, source="inbox",
                            sender="a@b.gov.uk", sent_at="2027-04-01T09:00:00+00:00", modified_at=None,
                            received_at="2027-04-01T09:00:00+00:00", received_basis="email sent date",
                            outcome="accepted_with_warnings", message="Accepted with 1 warning", saved_at="2027-03-31",
                            collection="dataset", la_code="201", period="2026-27-Q4", spec_version="1",
                            template_version="1", errors=0, warnings=1, run_id=None, tool_version="9")
    values = [ValueRecord("201", "2026-27-Q4", "return", "CSC_REF", str(figure), float(figure), "Return", cell,
                          rating="Robust", comment="é", derived=False),
              ValueRecord("201", "2026-27-Q4", "challenges", "agency", "Police", None, "Challenges", "B6",
                          row_number=1)]
    issue = IssueRecord("warning", "implausible_change", "more than doubled", "CSC_REF", "Return", cell)
    return Checked(submission, values, [issue])


def test_every_field_of_a_submission_is_stored_as_given(tmp_path):
    store = Store(tmp_path / "store.sqlite")
    checked = _checked("a" * 64, 12, "D14")
    [submission_id] = store.add_all([checked])
    row = dict(store.db.execute("SELECT * FROM submissions WHERE id = ?", (submission_id,)).fetchone())
    given = {k: v for k, v in vars(checked.submission).items()}
    assert {k: row[k] for k in given} == given
    assert given["status"] == "accepted_with_warnings" and given["outcome_message"] == "Accepted with 1 warning"
    assert store.db.execute("SELECT COUNT(*) FROM issues WHERE submission_id = ?", (submission_id,)).fetchone()[0] == 1
    store.close()


def test_the_values_digest_is_the_figures_apart_from_where_they_were(tmp_path):
    """The same figures in other cells of another file digest alike; another figure does not. The digest is
    sha256 over each stored row's figures (the submission and the cell left out), in order."""
    store = Store(tmp_path / "store.sqlite")
    ids = store.add_all([_checked("a" * 64, 12, "D14"), _checked("b" * 64, 12, "D15"), _checked("c" * 64, 13, "D14")])
    digests = [store.db.execute("SELECT values_digest FROM submissions WHERE id = ?", (i,)).fetchone()[0] for i in ids]
    assert digests[0] == digests[1] != digests[2]
    expected = hashlib.sha256()
    for row in store.db.execute('SELECT la_code, period, section_id, row_number, field_id, value, number, rating, '
                                'comment, derived, prefilled FROM "values" WHERE submission_id = ? ORDER BY rowid',
                                (ids[0],)):
        expected.update(repr(tuple(row)).encode("utf-8"))
    assert digests[0] == expected.hexdigest()
    store.close()
