"""Work shared with another process: profiles taken in turns, and a part of the work said to be done."""

from __future__ import annotations

import gc
import os
import time

import pandas as pd
import pytest

from lscb_workbooks.errors import LscbError
from lscb_workbooks.outputs.xlsx import WorkbookWriteError
from lscb_workbooks.outputs.profiles import (
    in_profile_order, produced_text, profile_turns, profiled, write_profiles_in_turn,
)
from lscb_workbooks.parallel import ChildFailed, Handover, new_event, start_in_process
from lscb_workbooks.processes import YOUNGER_PASSES_PER_FULL_PASS, rare_full_collections
from test_profiles import PRODUCED, comparison  # noqa: F401  (a module fixture)


def test_two_processes_taking_profiles_in_turns_write_each_once(comparison, tmp_path):  # noqa: F811
    turns = profile_turns()
    theirs = start_in_process(write_profiles_in_turn, comparison, tmp_path, produced_text(PRODUCED), turns)
    mine = write_profiles_in_turn(comparison, tmp_path, produced_text(PRODUCED), turns)
    theirs = theirs()
    assert not set(mine) & set(theirs)  # however the work fell between them (which depends on the machine)
    expected = [tmp_path / f"{a.file_stem}.xlsx" for a in profiled(comparison)]
    assert in_profile_order(comparison, mine + theirs) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in expected)
    assert turns.value >= len(expected)  # nothing is left to take


def _set_after(event, seconds: float) -> str:
    time.sleep(seconds)
    event.set()
    return "done"


def _stop_without_setting(event) -> None:
    os._exit(3)  # as a crash would: no exception, no event


def test_waiting_for_part_of_the_work_ends_when_it_is_done_or_the_process_stops():
    event = new_event()
    work = start_in_process(_set_after, event, 0.3)
    assert work.wait_for(event) is True
    assert work() == "done"

    event = new_event()
    crashed = start_in_process(_stop_without_setting, event)
    assert crashed.wait_for(event) is False  # not waiting for ever on a process that is gone
    with pytest.raises(ChildFailed, match="stopped unexpectedly"):
        crashed()


def _set_when_told(told, event) -> None:
    told.wait()
    event.set()


def test_work_goes_on_here_until_the_other_process_has_done_its_part(comparison, tmp_path):  # noqa: F811
    """The collating process writes profiles while the other one still works out the trends; once none
    are left, it waits for the other."""
    told, done, turns = new_event(), new_event(), profile_turns()
    other = start_in_process(_set_when_told, told, done)
    written: list = []

    def one_profile() -> bool:
        one = write_profiles_in_turn(comparison, tmp_path, produced_text(PRODUCED), turns, most=1)
        written.extend(one)
        if not one:
            told.set()  # the other process finishes its part only now: this one must have waited for it
        return bool(one)

    assert other.work_until(done, one_profile) is True
    assert done.is_set()
    assert written == [tmp_path / f"{a.file_stem}.xlsx" for a in profiled(comparison)]  # all of them, here
    other()


def test_no_more_work_is_done_here_once_the_other_process_is_done():
    done = new_event()
    other = start_in_process(_set_after, done, 0)
    assert other.wait_for(done)
    steps = []
    assert other.work_until(done, lambda: steps.append(1) or True) is True
    assert steps == []
    other()


def _fail_with(kind: str) -> None:
    if kind == "file":
        raise PermissionError(13, "Permission denied", "profiles/Barnet.xlsx")
    if kind == "tool":
        raise WorkbookWriteError("Barnet.xlsx was not written: a string was cut")
    raise ValueError("an error of the tool's own")


@pytest.mark.parametrize("kind, raised", [("file", PermissionError), ("tool", WorkbookWriteError)])
def test_an_error_the_user_is_told_about_comes_back_as_itself(kind, raised):
    """A workbook open in Excel, say: the command line says which file and what to do, as it would had
    the work been done in this process, not a traceback from another one."""
    with pytest.raises(raised) as caught:
        start_in_process(_fail_with, kind)()
    if kind == "file":
        assert caught.value.filename == "profiles/Barnet.xlsx" and caught.value.errno == 13
    else:
        assert str(caught.value) == "Barnet.xlsx was not written: a string was cut"


def test_an_error_of_the_tools_own_comes_back_with_the_other_processs_traceback():
    with pytest.raises(ChildFailed) as caught:
        start_in_process(_fail_with, "bug")()
    assert not isinstance(caught.value, LscbError)  # logged as the tool's fault, not shown as the user's
    assert "Traceback" in str(caught.value) and "in _fail_with" in str(caught.value)
    assert "ValueError: an error of the tool's own" in str(caught.value)


def test_full_garbage_collections_are_rare_during_a_collation_and_in_the_tools_other_processes():
    before = gc.get_threshold()
    assert before[2] != YOUNGER_PASSES_PER_FULL_PASS
    with rare_full_collections():
        assert gc.get_threshold() == (before[0], before[1], YOUNGER_PASSES_PER_FULL_PASS)
    assert gc.get_threshold() == before  # as it was, for whatever else runs in this process

    @rare_full_collections()  # as collate and recheck use it
    def during():
        return gc.get_threshold()

    assert (during()[2], gc.get_threshold()) == (YOUNGER_PASSES_PER_FULL_PASS, before)
    # forked or spawned (CI runs this file both ways), the other process sets it for itself
    assert start_in_process(gc.get_threshold)() == (before[0], before[1], YOUNGER_PASSES_PER_FULL_PASS)


def _received(handover) -> object:
    return handover.receive()


def test_what_is_handed_over_later_reaches_the_other_process_whole():
    handover = Handover()
    theirs = start_in_process(_received, handover)
    figures = {"figures": list(range(300_000))}  # some megabytes: more than a pipe holds, so a thread writes it
    handover.send(figures)
    handover.send("sent twice")  # only the first is sent
    assert theirs() == figures


def test_when_nothing_will_be_handed_over_the_other_process_is_told_so():
    handover = Handover()
    theirs = start_in_process(_received, handover)
    handover.send(None)  # as this process does when it fails before it has what the other needs
    assert theirs() is None


def test_the_earlier_periods_trends_worked_out_first_are_the_ones_read_back(synthetic_store_file, tmp_path):
    """Worked out while the period shown is being compared, they are what the trends of every period read back."""
    from lscb_workbooks.outputs.comparison import compare_period, earlier_trends, with_trends
    from lscb_workbooks.outputs.trend_cache import PeriodValues, TrendCache
    from lscb_workbooks.spec.load import load_spec
    from lscb_workbooks.spec.register import load_register
    from lscb_workbooks.store.db import Store

    path, built = synthetic_store_file
    spec, register = load_spec("dataset"), load_register()
    store = Store(path)
    try:
        source = PeriodValues.of_store(store, built.collection)
        shown = compare_period(spec, register, store.values_in_use(built.collection, built.latest), built.latest)
        cache = TrendCache(tmp_path, "trends", "made from")
        earlier_trends(spec, register, source, built.latest, False, cache)
        kept = sorted(p.name for p in cache.folder.iterdir())
        assert kept and all(built.latest not in name for name in kept)  # the earlier periods' alone
        worked_out = with_trends(shown, source).trends
        read_back = with_trends(shown, source, cache).trends
    finally:
        store.close()
    assert sorted(p.name for p in cache.folder.iterdir()) == sorted([*kept, f"trends-{built.latest}.pickle"])
    pd.testing.assert_frame_equal(read_back, worked_out)
    assert len(set(worked_out.period)) > 1
