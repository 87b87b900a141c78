"""Verdicts are not frozen: a recheck re-judges archived files; and two runs never judge one store at once."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from lscb_workbooks.cli import main
from lscb_workbooks.config import signing_key
from lscb_workbooks.store.db import Store

LSCB = [sys.executable, "-c", "from lscb_workbooks.cli import main; main()"]


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def key_file(key: bytes, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "signing.key"
    path.write_bytes(key)
    return path


def test_collate_with_a_wrong_key_then_recheck_with_the_right_one(make_return, key, tmp_path):
    make_return("302")
    make_return("303")
    wrong = tmp_path / "wrong" / "signing.key"
    signing_key(wrong)
    out, store = tmp_path / "out", tmp_path / "out" / "store.sqlite"
    first = CliRunner().invoke(main, ["collate", str(tmp_path / "inbox"), "--out", str(out), "--key-file", str(wrong)])
    assert first.exit_code == 0, first.output
    assert {r["status"] for r in rows(out / "submissions.csv")} == {"rejected"}
    assert not rows(out / "values.csv")

    again = CliRunner().invoke(main, ["collate", str(tmp_path / "inbox"), "--out", str(out),
                                      "--key-file", str(key_file(key, tmp_path / "right"))])
    assert "0 new, 2 already seen" in again.output
    assert {r["status"] for r in rows(out / "submissions.csv")} == {"rejected"}, "collate alone does not re-judge"

    result = CliRunner().invoke(main, ["recheck", "--out", str(out), "--store", str(store),
                                       "--key-file", str(tmp_path / "right" / "signing.key")])
    assert result.exit_code == 0, result.output
    assert "Rechecked 2 file(s) from the archive: 2 verdict(s) changed" in result.output
    assert "return-302.xlsx (302): rejected -> accepted" in result.output.replace("accepted with warnings", "accepted")
    ledger = rows(out / "submissions.csv")
    assert {r["status"] for r in ledger} <= {"accepted", "accepted_with_warnings"}
    assert {v["la_code"] for v in rows(out / "values.csv")} == {"302", "303"}
    opened = Store(store)
    try:
        changes = opened.verdict_changes()
        runs = opened.runs()
    finally:
        opened.close()
    assert sorted(changes.file) == ["return-302.xlsx", "return-303.xlsx"]
    assert set(changes.old_status) == {"rejected"} and set(changes.new_status) <= {"accepted", "accepted_with_warnings"}
    assert "altered" in changes.old_message.iloc[0].lower() or "signature" in changes.old_message.iloc[0].lower()
    last = runs.iloc[-1]
    assert last.command == "recheck" and "verdicts changed: return-302.xlsx (302): rejected ->" in last.changes

    unchanged = CliRunner().invoke(main, ["recheck", "--out", str(out), "--store", str(store),
                                          "--key-file", str(tmp_path / "right" / "signing.key")])
    assert "no verdict changed" in unchanged.output


def test_three_collations_at_once_on_one_store(make_return, key, tmp_path):
    for la_code in ("302", "303", "304", "305"):
        make_return(la_code)
    key_path = key_file(key, tmp_path / "key")
    store = tmp_path / "shared" / "store.sqlite"
    runs = [subprocess.Popen([*LSCB, "collate", str(tmp_path / "inbox"), "--out", str(tmp_path / f"out{n}"),
                              "--store", str(store), "--key-file", str(key_path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(3)]
    finished = [(run.wait(), *run.communicate()) for run in runs]
    for code, stdout, stderr in finished:
        assert "Traceback" not in stdout + stderr
        assert code == 0 or "another lscb run is using the store" in stderr, stderr
    assert any(code == 0 for code, _, _ in finished)
    final = subprocess.run([*LSCB, "collate", str(tmp_path / "inbox"), "--out", str(tmp_path / "final"),
                            "--store", str(store), "--key-file", str(key_path)], capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    ledger = rows(tmp_path / "final" / "submissions.csv")
    assert sorted(r["file"] for r in ledger) == [f"return-{c}.xlsx" for c in ("302", "303", "304", "305")]


def test_the_tools_own_failure_is_never_blamed_on_the_coordinator_and_is_judged_again(make_return, key, register,
                                                                                     tmp_path, monkeypatch):
    from lscb_workbooks import collate as collation
    from lscb_workbooks.recheck import recheck
    from lscb_workbooks.round_status import round_status
    from lscb_workbooks.store.returns import STATES

    make_return("302")
    out = tmp_path / "out"

    def a_bug(identified, workbook):  # stands for any mistake in the tool's own code
        raise KeyError("a bug in the tool")

    monkeypatch.setattr(collation, "extract", a_bug)
    report = collation.collate(tmp_path / "inbox", out, key=key)
    monkeypatch.undo()
    ledger = rows(out / "submissions.csv")
    assert [r["status"] for r in ledger] == ["tool_error"]
    assert ledger[0]["message"].startswith("The tool could not check this file: nothing for you to do; "
                                           "the project officer has been told")
    assert "fresh" not in ledger[0]["message"] and not rows(out / "issues.csv")
    log = (out / "lscb-tool-errors.log").read_text(encoding="utf-8")
    assert "return-302.xlsx" in log and "KeyError: 'a bug in the tool'" in log and "Traceback" in log
    assert not (out / "feedback").exists() or not list((out / "feedback").iterdir())
    store = Store(report.store_path)
    try:
        state = round_status(store, "dataset", register, "2026-27")
    finally:
        store.close()
    assert state.state_of("302") == "not_checked" and "not_checked" in STATES
    assert "302" not in state.in_state("missing", "to_resubmit"), "no chase email for the tool's fault"

    again = recheck(report.store_path, out, key=key)
    assert [str(c) for c in again.changes][0].startswith("return-302.xlsx (302): tool error -> accepted")
    assert {r["status"] for r in rows(out / "submissions.csv")} <= {"accepted", "accepted_with_warnings"}
