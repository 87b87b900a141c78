"""Workspace settings: found from any folder inside, overridden by flags, and every bad value named."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from lscb_workbooks.workspace import find_workspace, load_workspace

from workspace_helpers import PERIOD


def edit(config: Path, pattern: str, replacement: str) -> None:
    text = config.read_text()
    changed = re.sub(pattern, replacement, text, flags=re.MULTILINE)
    assert changed != text, pattern
    config.write_text(changed)


def test_commands_find_the_workspace_from_a_folder_inside_it(workspace, lscb):
    assert find_workspace(workspace / "inbox") == workspace
    result = lscb("status", "--today", "2026-05-01", cwd=workspace / "inbox")
    assert f"Pan-London safeguarding dataset, {PERIOD}, all of London (33 authorities)" in result.output
    assert "Deadline Friday 15 May 2026: 14 days to go" in result.output


def test_workspace_option_from_outside(workspace, lscb, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    lscb("--workspace", workspace, "templates", "--la", "303", cwd=elsewhere)
    assert [p.name for p in (workspace / "templates").iterdir()] == ["dataset_2025-26_303-Bexley.xlsx"]
    result = lscb("status", "--workspace", workspace, "--hub", "Lewisham")
    assert "hub Lewisham (6 authorities)" in result.output


def test_flags_win_over_the_workspace(workspace, lscb, tmp_path):
    out = tmp_path / "other-templates"
    lscb("templates", "--la", "303", "--period", "2024-25", "--out", out, "--deadline", "1 June 2025")
    [template] = out.iterdir()
    assert template.name == "dataset_2024-25_303-Bexley.xlsx"
    assert not list((workspace / "templates").iterdir())


def test_init_never_replaces_a_workspace_or_its_key(workspace, lscb, tmp_path):
    key = (workspace / "signing.key").read_bytes()
    result = lscb("init", workspace, ok=False)
    assert result.exit_code == 1
    assert "is already a workspace" in result.output
    assert (workspace / "signing.key").read_bytes() == key


def test_init_defaults_to_the_last_year_to_end(lscb, tmp_path):
    result = lscb("init", tmp_path / "ws", cwd=tmp_path)
    assert "Not set yet: deadline, sender" in result.output
    ws = load_workspace(tmp_path / "ws")
    assert ws.deadline is None and ws.sender is None
    assert ws.period.end < date.today() <= ws.period.next().end
    assert ws.key_file.read_text().strip() not in result.output


@pytest.mark.parametrize("args, named", [
    (["--collection", "datset"], "collection: 'datset' is not a collection (collections: "),
    (["--sender", "lscb-data@"], "sender: 'lscb-data@' is not an email address"),
    (["--hub", "Nowhere"], "hub: 'Nowhere' is not a hub in the register (hubs: Ealing, Hackney"),
])
def test_init_refuses_bad_values_and_makes_nothing(lscb, tmp_path, args, named):
    result = lscb("init", tmp_path / "ws", *args, cwd=tmp_path, ok=False)
    assert result.exit_code == 1
    assert named in result.output
    assert not (tmp_path / "ws").exists()


@pytest.mark.parametrize("pattern, replacement, named", [
    (r'^collection: .*$', 'collection: "datset"', "line 7: collection: 'datset' is not a collection"),
    (r'^sender: .*$', 'sender: "LSCB data team <lscb-data@example>"',
     "sender: 'LSCB data team <lscb-data@example>' is not an email address"),
    (r'^key_file: .*$', "", "key_file: is missing; add it: the key that signs templates"),
    (r'^deadline: .*$', "deadline: 2026-13-01", "deadline: '2026-13-01' is not a date: write it as YYYY-MM-DD"),
    (r'^period: .*$', 'period: "2025-27"', "period: '2025-27' is not a financial year"),
    (r'^collection:', "colection:", "colection: is not a setting (check the spelling; settings are collection, "),
    (r'^store: .*$', 'store: "store"', "is a folder: name the store's file"),
])
@pytest.mark.parametrize("command", [["status"], ["templates"], ["collate"], ["emails", "--kind", "chase"]])
def test_a_bad_setting_is_named_and_nothing_runs(workspace, lscb, pattern, replacement, named, command):
    edit(workspace / "lscb.yaml", pattern, replacement)
    result = lscb(*command, ok=False)
    assert result.exit_code == 1
    assert f"the workspace settings in {workspace / 'lscb.yaml'} have problems:" in result.output
    assert named in result.output
    assert not list((workspace / "templates").iterdir())


def test_a_missing_key_file_is_named_and_never_silently_replaced(workspace, lscb):
    (workspace / "signing.key").unlink()
    result = lscb("templates", ok=False)
    assert result.exit_code == 1
    assert f"key_file: {workspace / 'signing.key'} does not exist" in result.output
    assert "put back your copy of the key" in result.output
    assert not (workspace / "signing.key").exists()
    assert not list((workspace / "templates").iterdir())


def test_every_problem_is_listed_at_once_with_its_line(workspace, lscb):
    edit(workspace / "lscb.yaml", r'^sender: .*$', 'sender: "nobody"')
    edit(workspace / "lscb.yaml", r'^collection: .*$', 'collection: "datset"')
    result = lscb("status", ok=False)
    assert re.search(r"line \d+: collection: 'datset'", result.output)
    assert re.search(r"line \d+: sender: 'nobody' is not an email address", result.output)


def test_a_bad_coordinator_email_in_the_register_is_named_with_its_line(workspace, lscb):
    register = workspace / "authorities.csv"
    register.write_text(register.read_text().replace("p.shah@bromley.example.org", "p.shah at bromley"))
    result = lscb("status", ok=False)
    assert result.exit_code == 1
    assert "register: has problems" in result.output
    assert re.search(r"authorities.csv:\d+: coordinator_email: 'p.shah at bromley' is not an email address",
                     result.output)
    check = lscb("spec", "check", ok=False)
    assert check.exit_code == 1 and "p.shah at bromley" in check.output


def test_spec_check_in_a_workspace_checks_its_settings_register_and_email_texts(workspace, lscb):
    result = lscb("spec", "check")
    assert "authorities.csv" in result.output and "lscb.yaml" in result.output
    assert "invite.txt, chase.txt, feedback.txt" in result.output
    (workspace / "email-templates" / "chase.txt").write_text("Subject: Reminder for $authorty\n\nDear $coordinator_name\n")
    result = lscb("spec", "check", ok=False)
    assert result.exit_code == 1
    assert "chase.txt:1: $authorty is not a word the chase email fills in" in result.output


def test_outside_a_workspace_nothing_is_assumed(lscb, tmp_path):
    result = lscb("templates", "--la", "303", cwd=tmp_path, ok=False)
    assert result.exit_code == 2 and "give --period" in result.output
    result = lscb("status", ok=False)
    assert result.exit_code == 1 and "no store at output/store.sqlite" in result.output
    result = lscb("emails", "--kind", "invite", "--out", tmp_path / "drafts", ok=False)
    assert result.exit_code == 2 and "give --sender" in result.output
    assert not (tmp_path / "output").exists()


def test_comparators_setting_names_published_files_and_a_missing_one_is_named(workspace):
    config = workspace / "lscb.yaml"
    published = Path(__file__).parents[1] / "data" / "published"
    edit(config, r"^comparators:.*$", f"comparators: [{published / 'la_cla_placement_stability_2025_london_extract.csv'}]")
    assert [p.name for p in load_workspace(workspace).comparators] == ["la_cla_placement_stability_2025_london_extract.csv"]
    edit(config, r"^comparators:.*$", "comparators: england.csv")
    with pytest.raises(Exception, match=r"comparators: .*england.csv does not exist"):
        load_workspace(workspace)
