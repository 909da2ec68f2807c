"""The parse tables are kept where only this user can write (language/grammar.py).

Lark's own `cache=True` keeps them in the shared temp directory and reads them back
with `pickle`: a file left there by someone else under the expected name would run its
code in the next user's `policyrules check`. These tests plant such files and check that
none is read, and that nothing is written to the temp directory.
"""

from __future__ import annotations

import os
import pickle
import stat
import tempfile
from pathlib import Path

import lark
import pytest

from conftest import ROOT
from policyrules.language import grammar

SOURCE = (ROOT / "tests" / "fixtures" / "features.policy").read_text()


class _Planted:
    """A pickle that, when loaded, makes a directory: the proof it was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.mkdir, (str(self.marker),)


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An empty temp directory and an empty home for caches, for this test alone."""
    temp, home = tmp_path / "tmp", tmp_path / "cache"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv(grammar.CACHE_VARIABLE, raising=False)
    return temp, home / "policyrules"


def _build(start: str = "start") -> lark.Lark:
    parser: lark.Lark = grammar.lark_parser.__wrapped__(start)  # past the in-process cache
    if start == "start":
        assert parser.parse(SOURCE) == _fresh().parse(SOURCE)
    return parser


def _fresh() -> lark.Lark:
    text = (ROOT / "src" / "policyrules" / "language" / "grammar.lark").read_text()
    return lark.Lark(text, parser="lalr", strict=True, propagate_positions=True)


def test_the_tables_are_kept_in_a_private_directory_not_the_temp_one(
        dirs: tuple[Path, Path]) -> None:
    temp, cache = dirs
    _build()
    _build("declarations")
    assert list(temp.iterdir()) == []
    kept = sorted(cache.iterdir())
    assert len(kept) == 2 and all(p.name.startswith("parser-") for p in kept)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in kept)
    # Read back, the same tables.
    assert grammar._load(kept[0]) is not None


def _plant(path: Path, marker: Path) -> None:
    path.write_bytes(pickle.dumps(_Planted(marker)))
    path.chmod(0o600)


def test_a_file_others_could_have_written_is_not_read(dirs: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    _, cache = dirs
    _build()
    (path,) = cache.iterdir()
    marker = tmp_path / "ran"
    # A directory others can write to: nothing in it is read, nothing written.
    _plant(path, marker)
    cache.chmod(0o770)
    _build()
    assert not marker.exists() and path.read_bytes() == pickle.dumps(_Planted(marker))
    # The file itself writable by others, in a private directory.
    cache.chmod(0o700)
    path.chmod(0o620)
    _build()
    assert not marker.exists()
    # A link in its place, to a file anyone could have made.
    path.unlink()
    elsewhere = tmp_path / "elsewhere.pickle"
    _plant(elsewhere, marker)
    path.symlink_to(elsewhere)
    _build()
    assert not marker.exists()


def test_a_file_that_does_not_load_is_built_again(dirs: tuple[Path, Path]) -> None:
    _, cache = dirs
    _build()
    (path,) = cache.iterdir()
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # cut short, as by a full disk
    assert grammar._load(path) is None
    _build()
    assert len(path.read_bytes()) > len(good) // 2 and grammar._load(path) is not None


def test_the_cache_can_be_moved_or_switched_off(dirs: tuple[Path, Path], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    temp, cache = dirs
    monkeypatch.setenv(grammar.CACHE_VARIABLE, "")
    _build()
    assert not cache.exists() and list(temp.iterdir()) == []
    moved = tmp_path / "moved"
    monkeypatch.setenv(grammar.CACHE_VARIABLE, str(moved))
    _build()
    assert len(list(moved.iterdir())) == 1 and not cache.exists()
    # A relative XDG_CACHE_HOME is ignored, as its spec says: ~/.cache it is.
    monkeypatch.delenv(grammar.CACHE_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert grammar.cache_dir() == tmp_path / "home" / ".cache" / "policyrules"
    assert not (tmp_path / "relative").exists()
