"""The archive keeps every file byte for byte under its sha256."""

from __future__ import annotations

import hashlib

import pytest

from lscb_workbooks.intake.archive import Archive


def test_keep_writes_the_bytes_under_their_sha256(tmp_path):
    archive = Archive(tmp_path / "archive")
    data = b"PK\x03\x04 any bytes at all \x00\xff"

    sha256 = archive.keep(data)

    assert sha256 == hashlib.sha256(data).hexdigest()
    assert archive.path_of(sha256) == tmp_path / "archive" / sha256[:2] / sha256
    assert archive.path_of(sha256).read_bytes() == data
    assert archive.read(sha256) == data


def test_keeping_the_same_bytes_twice_keeps_one_file_and_leaves_no_temporary_files(tmp_path):
    archive = Archive(tmp_path)
    first = archive.keep(b"return")
    modified = archive.path_of(first).stat().st_mtime_ns

    assert archive.keep(b"return") == first
    assert archive.path_of(first).stat().st_mtime_ns == modified
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [first]


def test_empty_files_are_kept_too(tmp_path):
    archive = Archive(tmp_path)
    assert archive.read(archive.keep(b"")) == b""


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ABC", "A" * 64, "0" * 63])
def test_only_a_sha256_names_a_file(tmp_path, bad):
    with pytest.raises(ValueError):
        Archive(tmp_path).path_of(bad)


def test_many_files_kept_at_once_are_each_kept_once_byte_for_byte(tmp_path):
    archive = Archive(tmp_path / "archive")
    datas = [b"first return", b"second return", b"first return"]
    hashes = archive.keep_all(datas)
    assert hashes[0] == hashes[2] and len(set(hashes)) == 2
    assert [archive.read(h) for h in hashes] == datas
    assert archive.keep_all([b"second return"]) == [hashes[1]]
    assert not list((tmp_path / "archive").rglob(".incoming-*"))


def test_files_kept_meanwhile_are_there_once_waited_for(tmp_path):
    archive = Archive(tmp_path / "archive")
    datas = [f"return {n}".encode() for n in range(50)]
    wait = archive.keeping(datas)
    hashes = wait()
    assert [archive.read(h) for h in hashes] == datas
    assert wait() == hashes, "waited for again: the same answer"


def test_a_file_that_cannot_be_kept_meanwhile_is_told_when_waited_for(tmp_path):
    (tmp_path / "archive").write_text("a file where the archive folder should be", encoding="utf-8")
    wait = Archive(tmp_path / "archive").keeping([b"return"])
    with pytest.raises(OSError):
        wait()
