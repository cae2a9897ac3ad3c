"""intelcap._publish: output folders that appear complete or not at all (issue 19, items 1-4)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from intelcap._publish import (
    OutputBusyError,
    OutputError,
    OutputExistsError,
    OutputFolder,
    output_folder,
    sha256_file,
    write_manifest,
)
from intelcap.cli import main
from intelcap.datasets import bundled_data_dir
from intelcap.exceptions import IntelcapValueError

EXAMPLE = bundled_data_dir() / "example"


def hidden(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def test_publish_writes_and_leaves_nothing_hidden(tmp_path):
    out = tmp_path / "out"
    with output_folder(out) as folder:
        assert folder.out == out
        assert folder.tmp.parent == tmp_path and folder.tmp.name.startswith(".out.tmp-")
        assert not out.exists()
        (folder.tmp / "a.txt").write_text("new")
    assert (out / "a.txt").read_text() == "new"
    assert hidden(tmp_path, "out") == []


def test_failure_publishes_nothing_and_keeps_the_old_output(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old")
    with pytest.raises(RuntimeError), output_folder(out, overwrite=True) as folder:
        (folder.tmp / "a.txt").write_text("half")
        raise RuntimeError("boom")
    assert (out / "a.txt").read_text() == "old"
    assert hidden(tmp_path, "out") == []
    with pytest.raises(OutputExistsError, match="already exists; pass --overwrite"):
        with output_folder(out):
            pass
    with output_folder(out, overwrite=True) as folder:
        (folder.tmp / "b.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["b.txt"]
    assert hidden(tmp_path, "out") == []


def test_item1_symlinked_parent_cannot_reach_the_input(tmp_path):
    """Issue 19 item 1: --out through a symlinked parent is resolved before comparing."""
    data = tmp_path / "r" / "data"
    (data / "sub").mkdir(parents=True)
    (data / "sub" / "tables.csv").write_text("x")
    (tmp_path / "r" / "link").symlink_to(data)
    for out in (tmp_path / "r" / "link" / "sub", tmp_path / "r" / "link"):
        with pytest.raises(OutputError, match="inputs are never modified"):
            with output_folder(out, inputs=[data / "sub" / "tables.csv"], overwrite=True):
                pass
    with pytest.raises(OutputError, match="inputs are never modified"):
        with output_folder(tmp_path / "r" / "link" / "sub" / "new", inputs=[data / "sub"]):
            pass
    # an output that is itself a link to the input folder
    (tmp_path / "alias").symlink_to(data / "sub")
    with pytest.raises(OutputError, match="inputs are never modified"):
        with output_folder(tmp_path / "alias", inputs=[data / "sub" / "tables.csv"],
                           overwrite=True):
            pass
    assert (data / "sub" / "tables.csv").read_text() == "x"
    assert issubclass(OutputError, IntelcapValueError)


def test_item1_cli_symlink_reproduction(tmp_path, capsys):
    """The reproduction of item 1 through `intelcap adjust`."""
    data = tmp_path / "r" / "data"
    (data / "sub").mkdir(parents=True)
    shutil.copy(EXAMPLE / "tables.csv", data / "sub" / "tables.csv")
    (data / "config.toml").write_text(
        (EXAMPLE / "config.toml").read_text().replace('"tables.csv"', '"sub/tables.csv"'))
    (tmp_path / "r" / "link").symlink_to(data)
    before = (data / "sub" / "tables.csv").read_bytes()
    rc = main(["adjust", str(data / "config.toml"), "--out", str(tmp_path / "r" / "link" / "sub"),
               "--overwrite"])
    assert rc == 2
    assert "inputs are never modified" in capsys.readouterr().err
    assert (data / "sub" / "tables.csv").read_bytes() == before


def test_refuses_root_home_and_missing_parent(tmp_path):
    for bad in ("/", str(Path.home())):
        with pytest.raises(OutputError):
            with output_folder(bad, overwrite=True):
                pass
    with pytest.raises(OutputError, match="parent folder of the output does not exist"):
        with output_folder(tmp_path / "nope" / "out"):
            pass
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        with output_folder(tmp_path / "file", overwrite=True):
            pass


def test_item4_second_claim_of_one_name_fails(tmp_path):
    """Issue 19 item 4: the name is claimed exclusively; the loser gets a clear message."""
    out = tmp_path / "out"
    first = OutputFolder(out)
    first.claim()
    try:
        with pytest.raises(OutputBusyError, match="another intelcap run is writing"):
            OutputFolder(out, overwrite=True).claim()
    finally:
        first.abort()
    with output_folder(out) as folder:
        (folder.tmp / "x").write_text("1")
    assert hidden(tmp_path, "out") == []


def test_numbered_names_do_not_collide(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = OutputFolder(tmp_path / "run-001")
    first.claim()   # a concurrent run holds 001 but has not published it yet
    try:
        with output_folder(None, numbered="run-{n:03d}") as folder:
            (folder.tmp / "x").write_text("1")
        assert folder.out == tmp_path / "run-002"
    finally:
        first.abort()


def test_item2_interrupted_swap_is_recovered(tmp_path):
    """Issue 19 item 2: killed between 'rename aside' and 'rename in': the old output returns."""
    out = tmp_path / "out"
    aside = tmp_path / ".out.old-999999-abcd"
    aside.mkdir()
    (aside / "a.txt").write_text("old")
    tmp = tmp_path / ".out.tmp-999999-abcd"   # the new, complete or not, of the dead run
    tmp.mkdir()
    (tmp / "a.txt").write_text("ne")
    folder = OutputFolder(out)
    with pytest.raises(OutputExistsError):
        folder.claim()   # the old output was put back, so out exists
    assert (out / "a.txt").read_text() == "old"
    assert hidden(tmp_path, "out") == []


def test_item3_stale_temporaries_are_swept(tmp_path):
    out = tmp_path / "out"
    for name in (".out.tmp-1-aaaa", ".out.tmp-2-bbbb", ".out.old-3-cccc"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "f").write_text("partial")
    (tmp_path / ".out.lock").write_text("12345\n")   # left by a killed run
    (tmp_path / ".other.tmp-1-aaaa").mkdir()          # another name: not ours
    out.mkdir()
    with output_folder(out, overwrite=True) as folder:
        (folder.tmp / "f").write_text("new")
    assert hidden(tmp_path, "out") == []
    assert (tmp_path / ".other.tmp-1-aaaa").is_dir()


def test_item3_sigterm_cleans_up(tmp_path):
    """Issue 19 item 3: SIGTERM is handled like SIGINT: no temporary folder is left."""
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        from pathlib import Path
        from intelcap._publish import output_folder
        with output_folder(Path({str(tmp_path / 'out')!r})) as folder:
            (folder.tmp / "a").write_text("x")
            print("ready", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert "KeyboardInterrupt" in proc.stderr.read()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_manifest_helper(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"x,y\n1,2\n")
    path = write_manifest(tmp_path, {"b": 1, "a": Path("p")}, outputs=["a.csv"])
    text = path.read_text()
    assert text.endswith("}\n") and text.index('"a"') < text.index('"b"')
    data = json.loads(text)
    assert data["a"] == "p"
    assert data["outputs"] == [{"file": "a.csv", "sha256": sha256_file(tmp_path / "a.csv")}]
    assert write_manifest(tmp_path, {"b": 1, "a": Path("p")}, outputs=["a.csv"]).read_text() \
        == text


def test_overwrite_without_atomic_exchange_uses_rename_aside(tmp_path, monkeypatch):
    """Where renameat2(RENAME_EXCHANGE) is missing: rename aside, rename in, remove aside."""
    import intelcap._publish as publish

    monkeypatch.setattr(publish, "_renameat2", None)
    out = tmp_path / "out"
    for text in ("old", "new"):
        with output_folder(out, overwrite=True) as folder:
            (folder.tmp / "a.txt").write_text(text)
    assert (out / "a.txt").read_text() == "new"
    assert hidden(tmp_path, "out") == []
    # a failure of 'rename in' puts the old output back
    real_rename = os.rename

    def failing(src, dst):
        if ".tmp-" in str(src) and Path(dst) == out:
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)

    monkeypatch.setattr(publish.os, "rename", failing)
    with pytest.raises(OSError), output_folder(out, overwrite=True) as folder:
        (folder.tmp / "a.txt").write_text("newer")
    assert (out / "a.txt").read_text() == "new"
    assert hidden(tmp_path, "out") == []
