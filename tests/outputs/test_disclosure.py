"""Disclosure control on its own: small counts hidden, and nothing hidden can be solved for from the totals shown."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings, strategies as st

from lscb_workbooks.outputs.disclosure import Total, protect

COUNT = "N"


def _totals(cells: dict[str, float], groups: dict[str, set[str]]) -> list[Total]:
    return [Total(name, COUNT, frozenset(members), float(sum(cells[m] for m in members)))
            for name, members in groups.items()]


def _protect(cells: dict[str, float], groups: dict[str, set[str]]):
    return protect({(m, COUNT): v for m, v in cells.items()}, _totals(cells, groups), {COUNT})


def recoverable(cells: dict[str, float], groups: dict[str, set[str]], protection) -> set[str]:
    """The hidden members, and hidden totals from 1 to 5, an attacker can work out exactly from the totals
    shown: exact Gaussian elimination in fractions, written apart from the module's own check."""
    hidden = {m for (m, _) in protection.hidden}
    unknowns = sorted(hidden)
    rows = _reduced([[Fraction(int(u in members)) for u in unknowns] for name, members in groups.items()
                     if name not in protection.hidden_totals])
    targets = {m: {m} for m in hidden if 1 <= cells[m] <= 5}
    targets.update({name: members & hidden for name, members in groups.items()
                    if name in protection.hidden_totals and 1 <= sum(cells[m] for m in members) <= 5})
    return {name for name, members in targets.items()
            if _in_row_space(rows, [Fraction(int(u in members)) for u in unknowns])}


def _reduced(rows: list[list[Fraction]]) -> list[tuple[int, list[Fraction]]]:
    """Row echelon form: (pivot column, row) pairs."""
    out: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        row = _eliminate(out, row)
        pivot = next((c for c, x in enumerate(row) if x != 0), None)
        if pivot is not None:
            out.append((pivot, [x / row[pivot] for x in row]))
    return out


def _eliminate(reduced: list[tuple[int, list[Fraction]]], row: list[Fraction]) -> list[Fraction]:
    for pivot, base in reduced:
        if row[pivot] != 0:
            row = [x - row[pivot] * y for x, y in zip(row, base)]
    return row


def _in_row_space(reduced: list[tuple[int, list[Fraction]]], target: list[Fraction]) -> bool:
    return any(target) and not any(_eliminate(reduced, target))


def test_counts_from_1_to_5_are_hidden_and_zero_is_not():
    protection = _protect({"a": 0, "b": 1, "c": 5, "d": 6, "e": 40}, {})
    assert protection.primary == {("b", COUNT), ("c", COUNT)}
    assert not protection.secondary


def test_a_total_over_one_hidden_member_gets_a_second_hidden_member_the_smallest_non_zero():
    cells = {"a": 3, "b": 0, "c": 9, "d": 7, "e": 200}
    protection = _protect(cells, {"London": set(cells)})
    assert protection.secondary == {("d", COUNT)}, "7 is the smallest count above zero; hiding the 0 would protect nothing"
    assert not recoverable(cells, {"London": set(cells)}, protection)


def test_a_small_total_is_hidden_and_cannot_be_worked_back_out():
    cells = {"a": 2, "b": 0, "c": 50, "d": 60}
    groups = {"Hub A": {"a", "b"}, "Hub B": {"c", "d"}, "London": set(cells)}
    protection = _protect(cells, groups)
    assert "Hub A" in protection.hidden_totals
    assert not recoverable(cells, groups, protection), "London less hub B would give hub A's total, the 2"


def test_overlapping_groups_that_each_cover_two_hidden_members_are_still_checked_together():
    # Each total covers two of a, b, c, so no total alone gives one away; together they solve for all three.
    cells = {"a": 1, "b": 2, "c": 3, "d": 10, "e": 11}
    groups = {"G1": {"a", "b", "d"}, "G2": {"b", "c", "d"}, "G3": {"a", "c", "d"}}
    protection = _protect(cells, groups)
    assert protection.primary == {("a", COUNT), ("b", COUNT), ("c", COUNT)}
    assert protection.secondary, "without a further hidden member, G1 - G2 + G3 = 2a"
    assert not recoverable(cells, groups, protection)


def test_members_outside_the_pack_count_as_unknown():
    # Only a and b are published; London's total also covers c, which the pack does not show.
    totals = [Total("London", COUNT, frozenset("abc"), 3 + 40 + 50)]
    protection = protect({("a", COUNT): 3, ("b", COUNT): 40}, totals, {COUNT})
    assert not protection.secondary and not protection.hidden_totals


@st.composite
def tables(draw):
    members = [f"m{i}" for i in range(draw(st.integers(3, 12)))]
    cells = {m: draw(st.one_of(st.integers(0, 8), st.integers(0, 300))) for m in members}
    groups = {"London": set(members)}
    for g in range(draw(st.integers(0, 6))):
        chosen = draw(st.sets(st.sampled_from(members), min_size=1, max_size=len(members)))
        groups[f"G{g}"] = set(chosen)
    return cells, groups


@settings(max_examples=150, deadline=None)
@given(tables())
def test_no_hidden_count_can_be_solved_for_from_any_tables_totals(table):
    cells, groups = table
    protection = _protect(cells, groups)
    assert not recoverable(cells, groups, protection)
    shown = {name: sum(cells[m] for m in members) for name, members in groups.items()
             if name not in protection.hidden_totals}
    assert not any(1 <= total <= 5 for total in shown.values()), "a total from 1 to 5 is itself a small count"
    for m, value in cells.items():
        if 1 <= value <= 5:
            assert (m, COUNT) in protection.primary
