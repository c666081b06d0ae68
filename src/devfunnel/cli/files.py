"""Files a command writes for a person (a configuration, a data export).

One that cannot be written is refused with one ``error:`` line, exit code 66 as for the
import's reject file, and before the command does its work where it can be told: a data
export of a person is audited, and should not be for a file that never came to be.
"""

from __future__ import annotations

from pathlib import Path

from devfunnel.errors import NotFound


def check_writable(path: Path) -> None:
    """Refuse a path that names a folder, or a file in a folder that does not exist."""
    if path.is_dir():
        raise NotFound(f"cannot write {path}: it is a folder; name a file", path=str(path))
    folder = path.parent
    if not folder.is_dir():
        why = (
            f"{folder} is a file, not a folder"
            if folder.exists()
            else f"the folder {folder} does not exist"
        )
        raise NotFound(f"cannot write {path}: {why}", path=str(path))


def cannot_write(path: Path, exc: OSError) -> NotFound:
    """The error for writing ``path`` failing after all (permissions, a full disk)."""
    return NotFound(f"cannot write {path}: {exc.strerror or exc}", path=str(path))
