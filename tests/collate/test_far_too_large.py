"""Files far too large to be returns (recordings dropped into the inbox) are judged by their size, never read whole."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from lscb_workbooks.collate import collate
from test_collate import by_file, rows


def test_a_huge_file_is_judged_by_its_size_and_memory_stays_small(make_return, tmp_path):
    make_return("302")
    inbox = tmp_path / "inbox"
    for name in ("meeting recording.mp4", "board.xlsx"):
        with (inbox / name).open("wb") as stream:
            stream.write(b"\0\0\0\x18ftypmp42" if name.endswith(".mp4") else b"")
            stream.truncate(1024 ** 3 + 1)  # sparse: 1 GiB and a byte, taking no disk
    script = textwrap.dedent(f"""
        import resource, sys
        from pathlib import Path
        from lscb_workbooks.collate import collate
        collate(Path({str(inbox)!r}), Path({str(tmp_path / 'out')!r}), key=b"k" * 32)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    peak_megabytes = int(done.stdout.split()[-1]) / 1024  # ru_maxrss is in kilobytes on Linux
    assert peak_megabytes < 500, f"peak memory {peak_megabytes:.0f} MB"
    files = by_file(tmp_path / "out")
    for name in ("meeting recording.mp4", "board.xlsx"):
        assert files[name]["status"] == "ignored"
        assert "far too large to be a return" in files[name]["message"]
    assert "1,024 MB (a video or audio recording), far" in files["meeting recording.mp4"]["message"]
    assert "1,024 MB, far" in files["board.xlsx"]["message"]
    assert files["board.xlsx"]["sha256"] == "6d9bfe50425f2dfe4e2ac07efee1f0bc9d567348ad4aed62704ffe6f5884e9a8"
    archived = [p for p in (tmp_path / "out" / "archive").rglob("*") if p.is_file()]
    assert all(p.stat().st_size < 1024 ** 2 for p in archived)


def test_a_huge_file_is_read_once_not_on_every_run(key, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with (inbox / "recording.mp4").open("wb") as stream:
        stream.truncate(200 * 1024 ** 2)
    collate(inbox, tmp_path / "out", key=key)
    remembered = json.loads((tmp_path / "out" / "archive" / "large-files.json").read_text())
    [(place, sha256)] = remembered.items()
    assert place.startswith("recording.mp4|209715200|")
    # A run that read the file again would find these bytes' true sha256, not the one remembered.
    remembered[place] = "0" * 64
    (tmp_path / "out" / "archive" / "large-files.json").write_text(json.dumps(remembered))
    collate(inbox, tmp_path / "out", key=key)
    assert [r["sha256"] for r in rows(tmp_path / "out" / "submissions.csv")] == [sha256, "0" * 64]
