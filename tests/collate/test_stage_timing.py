"""A timed run says where its time went, stage by stage; an ordinary run records nothing."""

from __future__ import annotations

from lscb_workbooks.collate import collate
from lscb_workbooks.stages import timing, timing_stages


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
