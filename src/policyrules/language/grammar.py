"""The Lark parser built from grammar.lark (LALR, strict), shared by every stage that parses.

Building the parse tables takes about 300 ms; loading them once built, under 30 ms. They
are kept in this user's own cache directory (`cache_dir`), never in the shared temp
directory, where Lark's `cache=True` puts them: Lark reads its cache with `pickle`, which
runs whatever a file tells it to, and in /tmp anyone can leave a file under the name
another user's run will read. A directory is used only if it is this user's and no one
else can write to it, a file only if it is this user's and no one else can write to it;
anything else, or a file that does not load, is passed over (the tables are built and,
where the directory allows, written anew, atomically).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import stat
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import lark

# What is built must be what is loaded: every option and version it depends on is in the
# file's name (Lark's own cache key is made the same way).
_OPTIONS: dict[str, Any] = {"parser": "lalr", "strict": True, "propagate_positions": True}
# Set to a directory to keep the tables there instead, or to "" to keep none.
CACHE_VARIABLE = "POLICYRULES_CACHE_DIR"


@functools.cache
def lark_parser(start: str = "start") -> lark.Lark:
    """The parser of a whole policy, or (start="declarations") of declarations alone."""
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text("utf-8")
    key = hashlib.sha256("\0".join(
        [grammar, start, repr(sorted(_OPTIONS.items())), lark.__version__,
         sys.version]).encode()).hexdigest()[:32]
    folder = cache_dir()
    path = None if folder is None else folder / f"parser-{key}.lark"
    if path is not None:
        parser = _load(path)
        if parser is not None:
            return parser
    parser = lark.Lark(grammar, start=start, **_OPTIONS)
    if path is not None:
        _save(parser, path)
    return parser


def cache_dir() -> Path | None:
    """This user's directory for the parse tables (`POLICYRULES_CACHE_DIR`, else
    `$XDG_CACHE_HOME/policyrules` if that is an absolute path, else
    ~/.cache/policyrules), made if need be; None when
    it is switched off, cannot be made, or is not safe to read code from."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen is not None:
        if not chosen:
            return None
        folder = Path(chosen)
    else:
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):  # unset, or relative: to be ignored (XDG's spec)
            base = os.path.join(os.path.expanduser("~"), ".cache")
        folder = Path(base) / "policyrules"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder if _private(os.stat(folder)) else None
    except OSError:
        return None


def _private(st: os.stat_result) -> bool:
    """Owned by this user (where there are owners) and writable by no one else."""
    owner = getattr(os, "getuid", None)
    return (owner is None or st.st_uid == owner()) and not st.st_mode & (stat.S_IWGRP
                                                                         | stat.S_IWOTH)


def _load(path: Path) -> lark.Lark | None:
    """The parser kept at `path`, if the file is there, private and loads."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or not _private(st):
            return None
        try:
            return lark.Lark.load(f)
        except Exception:  # a file cut short or from elsewhere: built again
            return None


def _save(parser: lark.Lark, path: Path) -> None:
    """Keep the parser at `path`, written whole or not at all (readers in other processes
    see the old file or the new one); a failure to write is no failure to parse."""
    with contextlib.suppress(OSError):
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".parser-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                parser.save(f)
            os.replace(name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise
