"""A timed run says where its time went, stage by stage; an ordinary run records nothing."""

from __future__ import annotations

import time

from lscb_workbooks.collate import collate
from lscb_workbooks.stages import stage, timing, timing_stages


def test_a_timed_run_names_every_stage_and_an_untimed_one_keeps_nothing(make_return, key, tmp_path):
    make_return("302")
    make_return("303")
    with timing_stages() as seconds:
        report = collate(tmp_path / "inbox", tmp_path / "out", key=key)
    assert report.new_files == 2
    for name in ("intake", "read", "identity", "extract", "validation", "store", "submissions.csv", "issues.csv",
                 "comparison", "values.csv", "master", "profiles", "feedback"):
        assert name in seconds, name
        assert seconds[name] >= 0
    assert not timing()
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    assert not timing()


def test_a_stage_inside_another_counts_its_time_to_itself_alone():
    """The stages of a block share out its time: nothing is counted twice, however they nest."""
    with timing_stages() as seconds:
        start = time.perf_counter()
        with stage("outer"):
            with stage("inner"):
                sum(range(200_000))
            with stage("inner"):
                sum(range(200_000))
            sum(range(200_000))
        wall = time.perf_counter() - start
    assert set(seconds) == {"outer", "inner"}
    assert seconds["outer"] > 0 and seconds["inner"] > 0
    assert seconds["outer"] + seconds["inner"] <= wall + 1e-9  # counted twice, the inner work would exceed it
