"""Write an output file so that it appears whole or not at all, and touch nothing else.

Every command that writes a file goes through :class:`atomic_write` (``data.doccano``
re-exports it). The contract, in docs/output.md:

- the data goes to a temporary file beside the target, named
  ``.NAME.govreport-PID-RANDOM.tmp``; it is flushed and fsync'ed, then renamed over the
  target, and the folder is fsync'ed, so a crash leaves the old file or the new one;
- a symlink is written through: its target is replaced and the link stays;
- a file being replaced keeps its permission bits (and, as root, its owner); a hard-linked
  file gets a new inode under this name only (the other names keep the old content), with
  a warning;
- device nodes, FIFOs, sockets, folders, an empty path, a path through a file and a path
  that is one of the run's inputs are refused with :class:`OutputError` before anything is
  written; missing parent folders are created;
- temporary files of earlier runs that were killed (``SIGKILL``, power loss) are removed
  when the next write to the same folder starts: only names of exactly this pattern for the
  same target, older than this run and whose process is gone.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_write(folder / "out.txt") as f:
...     _ = f.write("共3件")
>>> (folder / "out.txt").read_text(encoding="utf-8"), sorted(p.name for p in folder.iterdir())
('共3件', ['out.txt'])
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Iterable

from govreport.data.errors import OutputError

logger = logging.getLogger(__name__)

__all__ = ["OutputError", "atomic_write", "check_output", "temp_name", "remove_stale_temps"]

_TEMP = re.compile(r"^\.(?P<name>.+)\.govreport-(?P<pid>\d+)-[0-9a-f]{8}\.tmp$")


def temp_name(name: str, pid: int | None = None) -> str:
    """The name of the temporary file that becomes ``name``.

    >>> n = temp_name("records.csv", pid=42)
    >>> n.startswith(".records.csv.govreport-42-") and n.endswith(".tmp")
    True
    """
    return f".{name}.govreport-{os.getpid() if pid is None else pid}-{secrets.token_hex(4)}.tmp"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temps(target: Path, before: float) -> list[Path]:
    """Remove the temporary files of killed earlier writes of ``target``; returns what went.

    Only regular files in ``target``'s folder whose name is :func:`temp_name` of
    ``target.name``, last modified before ``before`` and whose writing process is gone.
    """
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP.match(entry.name)
        if not m or m.group("name") != target.name:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or info.st_mtime >= before or _alive(int(m.group("pid"))):
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        logger.info("removed %s, left by an interrupted earlier run", entry.path)
        removed.append(Path(entry.path))
    return removed


def _describe(mode: int) -> str | None:
    """What a special file is, or None for a regular file."""
    for test, what in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) else "not a regular file"


def check_output(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """The file a write to ``path`` replaces (symlinks followed), or :class:`OutputError` saying why not.

    ``inputs`` are the run's inputs: the output may be none of their files and lie in none
    of their folders (a rerun would read it back). ``-`` among them is skipped.

    >>> check_output("")
    Traceback (most recent call last):
    ...
    govreport.data.errors.OutputError: the output path is empty
    """
    if str(path).strip() == "":
        raise OutputError("the output path is empty")
    given = Path(path)
    target = Path(os.path.realpath(given))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        raise OutputError(f"cannot write {given}: a part of its folder path is a file, not a folder") from None
    except OSError as err:
        raise OutputError(f"cannot write {given}: {err.strerror}") from None
    if info is not None:
        what = _describe(info.st_mode)
        if what is not None:
            raise OutputError(f"cannot write {given}: it is {what}; give a regular file's path"
                              + (" (- writes to standard output)" if what != "a folder" else ""))
    parent = target.parent
    while not parent.exists():  # the first folder that exists must be a folder
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {given}: {parent} is a file, not a folder")
    for item in inputs:
        if str(item) == "-":
            continue
        source = Path(os.path.realpath(item))
        if info is not None and source.exists() and os.path.samefile(source, target):
            raise OutputError(f"cannot write {given}: it is the input {item}; choose another output")
        if source.is_dir() and target.is_relative_to(source):
            raise OutputError(f"cannot write {given}: it lies inside the input folder {item}, "
                              "whose files are read; choose an output outside it")
    return target


class atomic_write:
    """Open a file for writing that appears at ``path`` only when closed without error.

    Text mode by default (``encoding``, ``newline`` as for :func:`open`); ``binary=True``
    gives a bytes file. ``inputs`` are the run's inputs, refused as outputs
    (:func:`check_output`). An interrupted or failed write leaves the previous file (or
    none) behind, never half a file; see the module docstring for the whole contract.
    """

    def __init__(self, path: str | os.PathLike, encoding: str = "utf-8", newline: str | None = None,
                 binary: bool = False, inputs: Iterable[str | os.PathLike] = ()):
        self.given = path
        self.encoding = encoding
        self.newline = newline
        self.binary = binary
        self.inputs = list(inputs)

    def __enter__(self):
        started = time.time()
        self.path = check_output(self.given, self.inputs)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(f"cannot create the folder of {self.given}: {err.strerror or err}") from None
        remove_stale_temps(self.path, started)
        self.tmp = self.path.parent / temp_name(self.path.name)
        try:
            fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError as err:
            raise OutputError(f"cannot write in {self.path.parent}: {err.strerror or err}") from None
        if self.binary:
            self.file = os.fdopen(fd, "wb")
        else:
            self.file = os.fdopen(fd, "w", encoding=self.encoding, newline=self.newline)
        return self.file

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.file.flush()
                os.fsync(self.file.fileno())
            self.file.close()
            if exc_type is None:
                self._keep_metadata()
                os.replace(self.tmp, self.path)
                _fsync_folder(self.path.parent)
        finally:
            if os.path.lexists(self.tmp):
                os.unlink(self.tmp)
        return False

    def _keep_metadata(self) -> None:
        """Give the new file the permissions (and, as root, the owner) of the one it replaces."""
        try:
            old = os.stat(self.path)
        except FileNotFoundError:
            # what a plain open() would give: mkstemp-style 0600 is only for the temporary name
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o666 & ~umask)
            return
        os.chmod(self.tmp, stat.S_IMODE(old.st_mode))
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            try:
                os.chown(self.tmp, old.st_uid, old.st_gid)
            except OSError:
                pass
        if old.st_nlink > 1:
            logger.warning("%s has %d hard links; only this name gets the new content", self.path, old.st_nlink)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows opening folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
