"""Property: whatever a coordinator types into a template's input boxes comes out of collation unchanged."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lscb_workbooks.demo.coordinator import Entries, fill_template
from lscb_workbooks.intake.reader import read_workbook
from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.validation.extract import extract
from lscb_workbooks.validation.identity import SpecLibrary, identify

SPEC = load_spec("dataset")
COUNTS = [f.id for f in SPEC.form_fields if f.unit == "count" and not f.derived and f.max is None]
NUMBERS = [f.id for f in SPEC.form_fields if f.unit == "number" and not f.derived]
TEXTS = [f.id for f in SPEC.form_fields if f.unit == "text"]
printable = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                    max_size=60).filter(lambda t: t.strip() == t and t.strip())
typed = st.fixed_dictionaries({}, optional={
    **{f: st.integers(min_value=0, max_value=10**7) for f in COUNTS[:12]},
    **{f: st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda x: round(x, 3)) for f in NUMBERS},
    **{f: printable for f in TEXTS},
})
comments = st.dictionaries(st.sampled_from(COUNTS[:12]), printable, max_size=3)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=typed, notes=comments)
def test_typed_values_and_comments_come_back_unchanged_with_their_cells(templates, register, key, tmp_path,
                                                                     values, notes):
    path = fill_template(templates["302"], Entries(values=dict(values), comments=dict(notes)),
                         tmp_path / "return.xlsx")
    workbook = read_workbook(Path(path).read_bytes())
    identified = identify(workbook, SpecLibrary(), register, key)
    data = extract(identified, workbook)
    for field_id, value in values.items():
        parsed = data.form[field_id].parsed
        if isinstance(value, str):
            assert parsed.text == value
        else:
            assert parsed.number == value and parsed.problem is None
    for field_id, note in notes.items():
        assert data.form[field_id].comment == note
    for field_id in set(COUNTS[:12]) - set(values):
        assert data.form[field_id].parsed.blank
