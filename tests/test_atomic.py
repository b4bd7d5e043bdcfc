import json
import os
import stat

import pytest

from nasbench_rss import atomic
from nasbench_rss.errors import StorageError


def test_json_files_appear_whole_with_usual_permissions(tmp_path):
    path = atomic.write_json(tmp_path / "sub" / "a.json", {"x": [1, 2]})
    assert json.loads(path.read_text()) == {"x": [1, 2]}
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.json", "sub"]


def test_nothing_is_written_through_a_link_and_failures_are_sentences(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious")
    for name in ("a.json", "log"):
        (tmp_path / name).symlink_to(victim)
    with pytest.raises(StorageError, match="is a symbolic link; nasbench-rss never writes through links"):
        atomic.write_json(tmp_path / "a.json", {"x": 1})
    with pytest.raises(StorageError, match="is a symbolic link"):
        with atomic.appending(tmp_path / "log") as file:
            file.write("x")
    assert victim.read_text() == "precious"
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StorageError, match=r"cannot write .*file/x\.json: File exists; a file stands where a directory should be"):
        atomic.write_json(blocker / "x.json", {})


def test_temp_files_of_killed_writes_are_found_and_removed(tmp_path):
    (tmp_path / ".checkpoint-3.pt.abc123.tmp").write_bytes(b"\0" * 10)
    (tmp_path / "keep.tmp").write_text("not ours: no leading dot")
    removed = atomic.remove_temp_files(tmp_path)
    assert [(p.name, size) for p, size in removed] == [(".checkpoint-3.pt.abc123.tmp", 10)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.tmp"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    path = atomic.write_text(tmp_path / "f.txt", "old")

    def explode(file):
        file.write(b"half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        atomic.write_atomic(path, explode)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]
    with pytest.raises(ValueError, match="not JSON compliant"):
        atomic.write_json(tmp_path / "n.json", {"x": float("nan")})
    assert not (tmp_path / "n.json").exists()


def test_a_bounded_read_refuses_a_larger_file_naming_it_its_size_and_the_limit(tmp_path):
    path = tmp_path / "record.json"
    path.write_bytes(b"x" * 101)
    assert atomic.read_bounded(path, 101, "a test record") == b"x" * 101
    with pytest.raises(atomic.UnreadableFile) as info:
        atomic.read_bounded(path, 100, "a test record")
    assert str(info.value) == f"cannot read {path}: 101 bytes, more than the 100 bytes a test record may have"
    assert info.value.reason == "101 bytes, more than the 100 bytes a test record may have"
    with pytest.raises(FileNotFoundError):
        atomic.read_bounded(tmp_path / "missing", 100, "a test record")


def test_a_bounded_read_refuses_what_is_not_a_regular_file_without_waiting(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opened without O_NONBLOCK, reading it would wait for a writer forever
    for path, kind in ((fifo, "a FIFO"), ("/dev/null", "a character device"), (tmp_path, "a directory")):
        with pytest.raises(atomic.UnreadableFile, match=f"it is {kind}, not a regular file"):
            atomic.read_bounded(path, 100, "a test record")
