"""Output folders that appear complete or not at all: the one publishing mechanism of the CLI.

Every command that writes a folder of results (``intelcap adjust``, ``intelcap release``) goes
through :func:`output_folder`::

    from intelcap._publish import output_folder, write_manifest

    with output_folder(out, inputs=[config, tables], overwrite=args.overwrite) as folder:
        write_table(..., folder.tmp / "tables.csv")
        write_manifest(folder.tmp, {"command": "intelcap adjust", ...}, outputs=["tables.csv"])
    print(f"wrote {folder.out}")
    # here ``folder.out`` holds exactly what was written into ``folder.tmp``; on any error
    # (or SIGINT, SIGTERM) nothing was published and the temporary folder is gone.

With ``out=None`` and ``numbered="intelcap-adjust-{n:03d}"`` the first free numbered name in
the current folder is claimed (two concurrent runs get two different numbers).

What it guarantees
------------------
1. **Inputs are never touched.** The output path and every input are resolved (symbolic links
   included, in every component) before they are compared; an output that equals, contains or
   lies inside an input is refused (:class:`OutputError`), as are the home folder, the root and
   their ancestors.
2. **One writer per output name.** The name is claimed by an exclusive lock on a hidden file
   ``.NAME.lock`` beside it (``fcntl.flock`` where available, released by the kernel when the
   process dies, even by SIGKILL; elsewhere an ``O_EXCL`` file holding the process id). Of two
   runs on one ``out``, the second fails at once with :class:`OutputBusyError`; whether ``out``
   exists is decided under the lock, so without ``overwrite`` exactly one of two runs succeeds.
3. **Complete or absent.** Files are written into a hidden sibling ``.NAME.tmp-PID-XXXX``,
   flushed to disk, and published by :func:`os.rename`. With ``overwrite`` an existing ``out``
   is replaced by an atomic exchange (``renameat2(RENAME_EXCHANGE)`` on Linux); where that is
   not available, by rename aside (``.NAME.old-PID-XXXX``), rename in, remove aside. The old
   output stays in place until the new one is complete.
4. **Recovery.** SIGTERM is handled like SIGINT while the folder is open (a
   :class:`KeyboardInterrupt` that cleans up); SIGINT and SIGTERM are blocked during the swap
   itself. After a SIGKILL, the next claim of the same name (under the lock, so no live writer
   can own them) puts an interrupted swap's old output back if ``out`` is missing and removes
   every stale ``.NAME.tmp-*`` / ``.NAME.old-*`` folder.

The API is :func:`output_folder` (yielding the claimed :class:`OutputFolder`: ``.tmp`` to
fill, ``.out`` where it will be), :func:`write_manifest` and :func:`sha256_file`. Errors are
:class:`OutputError` (an :class:`~intelcap.exceptions.IntelcapValueError`) and its subclasses
:class:`OutputExistsError` and :class:`OutputBusyError`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from intelcap.exceptions import IntelcapValueError

try:  # pragma: no cover - platform
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "OutputBusyError",
    "OutputError",
    "OutputExistsError",
    "OutputFolder",
    "output_folder",
    "resolve_output",
    "sha256_file",
    "write_manifest",
]


class OutputError(IntelcapValueError):
    """The output location is not admissible (inside an input, not a folder, no parent)."""


class OutputExistsError(OutputError):
    """The output folder exists and ``overwrite`` was not given."""


class OutputBusyError(OutputError):
    """Another process is writing the same output folder."""


# ------------------------------------------------------------------------------------------
# paths
# ------------------------------------------------------------------------------------------
def resolve_output(out: str | os.PathLike[str]) -> Path:
    """Absolute output path whose parent is fully resolved (symbolic links followed).

    The last component is kept as given (it may not exist yet, or be a link to refuse);
    ``.`` and ``..`` are resolved first.
    """
    p = Path(out).expanduser()
    if not p.is_absolute():
        p = Path.cwd() / p
    if p.name in ("", ".", ".."):
        p = p.resolve()
    try:
        parent = p.parent.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        raise OutputError(f"the parent folder of the output does not exist: {p.parent}") from None
    except (OSError, RuntimeError) as err:
        raise OutputError(f"cannot resolve the parent folder of the output {p}: "
                          f"{type(err).__name__}") from None
    if not parent.is_dir():
        raise OutputError(f"the parent of the output is not a folder: {parent}")
    return parent / p.name


def _within(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _check_inputs(out: Path, inputs: Iterable[str | os.PathLike[str]]) -> None:
    targets = [out]
    if out.is_symlink():
        targets.append(out.resolve())
    for raw in inputs:
        inp = Path(raw).resolve()
        for t in targets:
            if _within(t, inp):
                raise OutputError(f"output path {out} is (inside) the input {inp}; choose "
                                  "another --out (inputs are never modified)")
            if _within(inp, t):
                raise OutputError(f"output folder {out} contains the input {inp}; choose "
                                  "another --out (inputs are never modified)")
    home = Path.home().resolve()
    if out == Path(out.anchor) or _within(home, out):
        raise OutputError(f"refusing to use {out} as an output folder (it is the root or "
                          "contains the home folder)")


# ------------------------------------------------------------------------------------------
# the lock
# ------------------------------------------------------------------------------------------
def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # pragma: no cover - platform
        return False
    return True


class _Lock:
    """An exclusive, non-blocking lock on ``path`` (a hidden file removed on release)."""

    def __init__(self, path: Path, what: Path) -> None:
        self.path = path
        self.what = what
        self.fd: int | None = None

    def acquire(self) -> None:
        if fcntl is not None:
            self._acquire_flock()
        else:  # pragma: no cover - Windows
            self._acquire_excl()

    def _busy(self) -> OutputBusyError:
        return OutputBusyError(f"another intelcap run is writing {self.what} (lock "
                               f"{self.path.name}); wait for it or choose another --out")

    def _acquire_flock(self) -> None:
        for _ in range(100):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                os.close(fd)
                if err.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise self._busy() from None
                raise
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:  # not unlinked by a previous holder between our open and flock
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self.fd = fd
                return
            os.close(fd)
        raise self._busy()  # pragma: no cover - pathological contention

    def _acquire_excl(self) -> None:  # pragma: no cover - Windows
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                try:
                    pid = int(self.path.read_text().strip() or 0)
                except (OSError, ValueError):
                    pid = 0
                if pid and _pid_alive(pid):
                    raise self._busy() from None
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                continue
            os.write(fd, f"{os.getpid()}\n".encode())
            self.fd = fd
            return
        raise self._busy()

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # while still holding the lock (see _acquire_flock)
        os.close(self.fd)
        self.fd = None


# ------------------------------------------------------------------------------------------
# signals and the swap
# ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While open, SIGTERM raises KeyboardInterrupt (as SIGINT does), so cleanup runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    sigs = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


_RENAME_EXCHANGE = 2


def _libc_renameat2() -> Any:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                   ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_renameat2 = _libc_renameat2() if os.name == "posix" else None
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False if the platform cannot."""
    if _renameat2 is None:
        return False
    rc = _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # pragma: no cover - Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems without directory fsync
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# ------------------------------------------------------------------------------------------
# the folder
# ------------------------------------------------------------------------------------------
class OutputFolder:
    """A claimed output name with its hidden temporary folder (see the module docstring).

    Parameters
    ----------
    out : path
        The folder to publish.
    inputs : iterable of paths
        Files (or folders) the run reads; ``out`` may not equal, contain or lie inside one.
    overwrite : bool
        Replace an existing ``out`` (atomically); otherwise an existing ``out`` is an error.
    """

    def __init__(self, out: str | os.PathLike[str], *,
                 inputs: Iterable[str | os.PathLike[str]] = (), overwrite: bool = False) -> None:
        self.out = resolve_output(out)
        self.inputs = [Path(p) for p in inputs]
        self.overwrite = bool(overwrite)
        self.tmp: Path | None = None
        self._lock = _Lock(self.out.parent / f".{self.out.name}.lock", self.out)

    # -- hidden siblings ------------------------------------------------------------------
    def _siblings(self, kind: str) -> list[Path]:
        prefix = f".{self.out.name}.{kind}-"
        return sorted(p for p in self.out.parent.iterdir() if p.name.startswith(prefix))

    def _hidden(self, kind: str) -> Path:
        return self.out.parent / f".{self.out.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"

    def _recover(self) -> None:
        """Under the lock: undo an interrupted swap, remove stale temporaries."""
        asides = self._siblings("old")
        if asides and not os.path.lexists(self.out):
            # killed between 'rename aside' and 'rename in': put the old output back
            newest = max(asides, key=lambda p: p.stat().st_mtime_ns)
            os.rename(newest, self.out)
            asides.remove(newest)
        for p in [*asides, *self._siblings("tmp")]:
            _remove(p)

    # -- life cycle -----------------------------------------------------------------------
    def claim(self) -> Path:
        """Check the location, take the lock, recover, create the temporary folder."""
        _check_inputs(self.out, self.inputs)
        self._lock.acquire()
        try:
            self._recover()
            if os.path.lexists(self.out):
                if self.out.is_symlink() or not self.out.is_dir():
                    raise OutputError(f"output path {self.out} exists and is not a folder "
                                      "(symbolic links are not replaced)")
                if not self.overwrite:
                    raise OutputExistsError(f"output folder {self.out} already exists; pass "
                                            "--overwrite to replace it, or choose another --out")
            self.tmp = self._hidden("tmp")
            os.mkdir(self.tmp, 0o777)
        except BaseException:
            self._lock.release()
            raise
        return self.tmp

    def publish(self) -> Path:
        """Move the finished temporary folder to ``out``; release the lock."""
        if self.tmp is None:
            raise OutputError("publish() before claim()")
        tmp, out = self.tmp, self.out
        try:
            _fsync_tree(tmp)
            with _signals_blocked():
                if os.path.lexists(out):
                    if not _exchange(tmp, out):
                        aside = self._hidden("old")
                        os.rename(out, aside)
                        try:
                            os.rename(tmp, out)
                        except BaseException:
                            os.rename(aside, out)
                            raise
                        # an aside is only ever complete: rename it to a temporary name before
                        # removing it, so a kill during the removal leaves nothing restorable
                        os.rename(aside, tmp)
                    # tmp now holds the old output
                    self.tmp = None
                    _fsync_dir(out.parent)
                    _remove(tmp)
                else:
                    os.rename(tmp, out)
                    self.tmp = None
                    _fsync_dir(out.parent)
        finally:
            self.abort()
        return out

    def abort(self) -> None:
        """Remove the temporary folder (if any) and release the lock."""
        try:
            if self.tmp is not None:
                _remove(self.tmp)
                self.tmp = None
        finally:
            self._lock.release()


@contextlib.contextmanager
def output_folder(out: str | os.PathLike[str] | None, *,
                  inputs: Iterable[str | os.PathLike[str]] = (),
                  overwrite: bool = False,
                  numbered: str | None = None) -> Iterator[OutputFolder]:
    """Claim ``out``, yield it with a hidden temporary folder to fill, publish on success.

    Parameters
    ----------
    out : path or None
        The output folder. ``None`` with ``numbered``: the first free name
        ``numbered.format(n=1, 2, ...)`` in the current folder.
    inputs : iterable of paths
        What the run reads; ``out`` may not equal, contain or lie inside any of them.
    overwrite : bool
        Replace an existing ``out`` atomically (the old one stays until the new is complete).
    numbered : str, optional
        Name pattern with ``{n}`` for ``out=None``.

    Yields
    ------
    OutputFolder
        ``.tmp`` is the (empty, hidden) folder to write into; ``.out`` the final path.

    On any exception (including KeyboardInterrupt from SIGINT or SIGTERM) the temporary folder
    is removed and nothing is published; an existing ``out`` is left as it was.

    Raises
    ------
    OutputError
        ``out`` equals, contains or lies inside an input, its parent does not exist, or it
        exists and is not a folder.
    OutputExistsError
        ``out`` exists and ``overwrite`` is false.
    OutputBusyError
        Another process is writing ``out``.
    """
    with _sigterm_as_interrupt():
        if out is None:
            if numbered is None:
                raise OutputError("output_folder(None) needs a numbered= name pattern")
            folder = _claim_numbered(numbered, inputs)
        else:
            folder = OutputFolder(out, inputs=inputs, overwrite=overwrite)
            folder.claim()
        try:
            yield folder
        except BaseException:
            folder.abort()
            raise
        folder.publish()


def _claim_numbered(pattern: str, inputs: Iterable[str | os.PathLike[str]]) -> OutputFolder:
    inputs = list(inputs)
    cwd = Path.cwd()
    for n in range(1, 100_000):
        candidate = cwd / pattern.format(n=n)
        if os.path.lexists(candidate):
            continue
        folder = OutputFolder(candidate, inputs=inputs)
        try:
            folder.claim()
        except (OutputExistsError, OutputBusyError):
            continue
        return folder
    raise OutputError(f"no free output name {pattern!r} in {cwd}")  # pragma: no cover


# ------------------------------------------------------------------------------------------
# manifest
# ------------------------------------------------------------------------------------------
def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(folder: str | os.PathLike[str], manifest: Mapping[str, Any], *,
                   outputs: Sequence[str] | None = None,
                   name: str = "manifest.json") -> Path:
    """Write ``manifest`` as JSON into ``folder`` (sorted keys, 2-space indent, ``\\n``).

    With ``outputs`` (file names relative to ``folder``), the manifest gets an ``"outputs"``
    entry ``[{"file": name, "sha256": hex}, ...]`` computed from the files as written. Values
    JSON cannot represent are written with ``str``. The same manifest gives the same bytes.
    """
    folder = Path(folder)
    data = dict(manifest)
    if outputs is not None:
        data["outputs"] = [{"file": f, "sha256": sha256_file(folder / f)} for f in outputs]
    path = folder / name
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        json.dump(data, fh, indent=2, sort_keys=True, default=str)
        fh.write("\n")
    return path
