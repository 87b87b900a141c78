"""Every command, given bad arguments or bad files, says in a line or two what to do: never a traceback."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lscb_workbooks.cli import main
from lscb_workbooks.config import signing_key
from lscb_workbooks.spec.load import spec_path

NOT_SQLITE = b"This is a note, not a database.\n" * 10


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    """An empty inbox, a key, a store that is not SQLite, a spec Excel cannot lay out, a file where a folder goes."""
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "return.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    key = tmp_path / "signing.key"
    signing_key(key)
    (tmp_path / "notes.sqlite").write_bytes(NOT_SQLITE)
    (tmp_path / "a-file").write_text("in the way")
    spec = spec_path("dataset").read_text(encoding="utf-8")
    long_sum = " + ".join(f"({' + '.join(['CSC_REREF_N'] * 50)})" for _ in range(50))
    (tmp_path / "too-long.yaml").write_text(
        spec.replace("expression: CSC_REREF_N / CSC_REF * 100", f"expression: ({long_sum}) / CSC_REF * 100", 1),
        encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    blocked = tmp_path / "blocked"
    (blocked / "submissions.csv").mkdir(parents=True)
    return {"tmp": tmp_path, "inbox": tmp_path / "inbox", "key": key, "not_sqlite": tmp_path / "notes.sqlite",
            "a_file": tmp_path / "a-file", "too_long": tmp_path / "too-long.yaml",
            "broken": tmp_path / "broken.yaml", "blocked": blocked}


def bad_invocations(f: dict[str, Path]) -> list[tuple[list[str], str]]:
    """(arguments, words the message must hold)."""
    tmp, inbox, key = f["tmp"], str(f["inbox"]), str(f["key"])
    return [
        (["collate", inbox, "--out", str(tmp / "o1"), "--store", str(f["not_sqlite"]), "--key-file", key],
         "not an lscb store"),
        (["collate", inbox, "--out", str(tmp / "o2"), "--key-file", str(tmp / "mistyped.key")],
         f"no signing key at {tmp / 'mistyped.key'}"),
        (["collate", inbox, "--out", str(f["blocked"]), "--key-file", key], "a folder of that name is in the way"),
        (["collate", inbox, "--out", str(f["a_file"] / "out"), "--key-file", key], "cannot write"),
        (["collate", str(tmp / "no-such-inbox"), "--key-file", key], "does not exist"),
        (["collate", inbox, "--period", "2026", "--key-file", key], "period"),
        (["collate", inbox, "--collection", "nonsense", "--key-file", key, "--out", str(tmp / "o3")],
         "no such collection"),
        (["collate", inbox, "--hub", "Atlantis", "--key-file", key, "--out", str(tmp / "o4")], "no hub called"),
        (["report", "--out", str(tmp / "o5"), "--store", str(f["not_sqlite"])], "not an lscb store"),
        (["report", "--out", str(tmp / "o6"), "--store", str(tmp / "none.sqlite")], "no store at"),
        (["status", "--store", str(f["not_sqlite"]), "--period", "2026-27"], "not an lscb store"),
        (["status", "--store", str(tmp / "none.sqlite")], "no store at"),
        (["emails", "--kind", "chase", "--sender", "me@example.org", "--out", str(tmp / "o7"),
          "--store", str(f["not_sqlite"]), "--period", "2026-27"], "not an lscb store"),
        (["emails", "--kind", "invite", "--sender", "not an address", "--out", str(tmp / "o8")], "not an email"),
        (["templates", "--period", "2026-27", "--la", "999", "--out", str(tmp / "t1"), "--key-file", key],
         "not in the register"),
        (["templates", "--period", "2026-27", "--out", str(f["a_file"] / "t"), "--key-file", key], "cannot write"),
        (["templates", "--la", "302", "--out", str(tmp / "t2"), "--key-file", key], "--period"),
        (["spec", "check", str(f["broken"])], "broken.yaml"),
        (["spec", "check", str(f["too_long"])], "characters long; Excel allows 8192"),
        (["init", str(f["a_file"])], "a-file"),
        (["init", str(tmp / "ws"), "--period", "last year"], "period"),
        (["demo", "--out", str(tmp)], "the demo did not make"),
        (["demo", "--out", str(f["a_file"])], "is a file"),
        (["nonsense"], "No such command"),
    ]


def test_no_command_prints_a_traceback_for_bad_arguments_or_files(files):
    runner = CliRunner()
    for args, expected in bad_invocations(files):
        result = runner.invoke(main, args, catch_exceptions=True)
        said = re.sub(r"\s+", " ", result.output)
        assert result.exit_code != 0, (args, result.output)
        assert isinstance(result.exception, SystemExit), (args, result.exception)
        assert "Traceback" not in result.output and "error of its own" not in result.output, (args, result.output)
        assert expected in said, (args, result.output)


def test_spec_check_lays_out_each_template_so_excel_limits_surface_there(files):
    result = CliRunner().invoke(main, ["spec", "check", str(files["too_long"])])
    assert result.exit_code == 1
    assert "too-long.yaml: its template cannot be drawn" in result.output
    assert "the formula for CSC_REREF" in result.output
    plain = CliRunner().invoke(main, ["spec", "check"])
    assert plain.exit_code == 0 and plain.output.startswith("OK:")


def test_templates_alone_make_a_key_and_collate_refuses_a_missing_one(files, tmp_path):
    key = tmp_path / "new" / "signing.key"
    collate = CliRunner().invoke(main, ["collate", str(files["inbox"]), "--out", str(tmp_path / "out"),
                                        "--key-file", str(key)])
    assert collate.exit_code != 0 and f"no signing key at {key}" in collate.output
    assert not key.exists() and not (tmp_path / "out" / "submissions.csv").exists()
    made = CliRunner().invoke(main, ["templates", "--period", "2026-27", "--la", "302", "--out",
                                     str(tmp_path / "templates"), "--key-file", str(key)])
    assert made.exit_code == 0, made.output
    assert len(key.read_text().strip()) == 64


def test_demo_refuses_a_folder_holding_a_real_round_and_changes_nothing(tmp_path):
    round_folder = tmp_path / "output"
    (round_folder / "inbox").mkdir(parents=True)
    (round_folder / "inbox" / "barnet.xlsx").write_bytes(b"a real return")
    (round_folder / "archive" / "ab").mkdir(parents=True)
    (round_folder / "archive" / "ab" / "abcd").write_bytes(b"a real return")
    (round_folder / "store.sqlite").write_bytes(b"the round's store")
    before = {p: p.read_bytes() for p in round_folder.rglob("*") if p.is_file()}
    result = CliRunner().invoke(main, ["demo", "--out", str(round_folder)])
    assert result.exit_code != 0 and "the demo did not make" in result.output
    assert {p: p.read_bytes() for p in round_folder.rglob("*") if p.is_file()} == before
    shutil.rmtree(round_folder)
