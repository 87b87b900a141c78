"""The form's schema: columns checked alike are checked stacked, and every failure comes back to its column."""

import numpy as np
import pandas as pd

from lscb_workbooks.validation.schema import ReturnSchema


def test_columns_checked_alike_are_checked_together(spec):
    schema = ReturnSchema(spec)
    checked = [name for _, names in schema.stacks for name in names]
    assert len(checked) == len(set(checked)) == len(schema.order), "every column is checked, once"
    assert len(schema.stacks) < len(checked) / 10, "far fewer passes than columns"


def passing_frame(schema: ReturnSchema, rows: int) -> pd.DataFrame:
    """A frame every check passes: blanks where a blank is allowed, conditions met elsewhere."""
    columns = {}
    for stack, names in schema.stacks:
        column = stack.columns["value"]
        assert column.nullable or str(column.dtype) == "bool", "only conditions must be filled in"
        for name in names:
            columns[name] = np.full(rows, np.nan if column.nullable else True)
    return pd.DataFrame(columns)


def test_a_failure_in_a_stack_names_its_own_column_and_row(spec):
    schema = ReturnSchema(spec)
    assert schema.failures(schema.frame([])) is None, "no returns: nothing fails, and nothing breaks"
    assert schema.failures(passing_frame(schema, 3)) is None
    counts = next(names for stack, names in schema.stacks
                  if len(names) > 3 and "greater_than_or_equal_to" in [c.name for c in stack.columns["value"].checks])
    required = next(names for stack, names in schema.stacks if all(n.endswith("__answered") for n in names))
    frame = passing_frame(schema, 3)
    frame[counts[2]] = [0.0, -5.0, 0.0]  # one count, in the second return
    frame[required[-1]] = [True, True, False]  # and the last required field, in the third
    found = schema.failures(frame)
    assert list(zip(found["column"], found["index"], found["failure_case"])) == [
        (counts[2], 1, -5.0), (required[-1], 2, False)]
