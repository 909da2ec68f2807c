"""Loading: caching, extends, file errors."""

import shutil
import time
from pathlib import Path

import pytest

import policyrules
from conftest import FIXTURES
from policyrules import PolicyFileError


def test_loading_an_unchanged_file_twice_is_cached(tmp_path: Path) -> None:
    path = tmp_path / "f.policy"
    shutil.copy(FIXTURES / "features.policy", path)
    first = policyrules.load(path)
    assert policyrules.load(path) is first
    path.write_text(path.read_text().replace('"Every feature', '"Changed'))
    second = policyrules.load(path)
    assert second is not first and second.title.startswith("Changed")


def test_a_change_to_the_base_file_reloads_the_extension(tmp_path: Path) -> None:
    for name in ("features.policy", "features_local.policy"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    local = policyrules.load(tmp_path / "features_local.policy")
    base = tmp_path / "features.policy"
    base.write_text(base.read_text().replace("due within six months of start",
                                             "due within 3 months of start"))
    time.sleep(0.01)
    again = policyrules.load(tmp_path / "features_local.policy")
    assert again is not local
    induction = next(r for r in again.model.requirements if r.id == "induction")
    assert str(induction.within) == "3 months"


def test_extension_inherits_and_amends(features: policyrules.Policy) -> None:
    local = policyrules.load(FIXTURES / "features_local.policy")
    assert local.id == "features-local"
    assert [r.id for r in local.model.requirements] == [
        *(r.id for r in features.model.requirements), "local-briefing"]
    induction = next(r for r in local.model.requirements if r.id == "induction")
    assert induction.cites == ("1.4", "local:grace")
    assert str(induction.grace) == "1 month"
    assert [e.title for e in local.model.examples] == [
        "a month's grace moves the induction deadline"]
    assert [c.paragraph for c in local.coverage()[-2:]] == ["local:briefing", "local:grace"]


def test_missing_file() -> None:
    with pytest.raises(PolicyFileError, match="no such policy file"):
        policyrules.load("nowhere/none.policy")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.policy"
    path.write_bytes('policy p title "caf\xe9"'.encode("latin-1"))
    with pytest.raises(PolicyFileError, match="not UTF-8"):
        policyrules.load(path)


def test_extends_missing_base(tmp_path: Path) -> None:
    path = tmp_path / "l.policy"
    path.write_text('policy l title "L" extends "base.policy"\n')
    with pytest.raises(PolicyFileError, match=r"base.policy: no such policy file \(extended at"):
        policyrules.load(path)


def test_extends_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.policy").write_text('policy a title "A" extends "b.policy"\n')
    (tmp_path / "b.policy").write_text('policy b title "B" extends "a.policy"\n')
    with pytest.raises(policyrules.PolicyCheckError, match="`extends` makes a cycle"):
        policyrules.load(tmp_path / "a.policy")


def test_every_error_is_a_policy_error() -> None:
    for cls in (policyrules.PolicyFileError, policyrules.PolicyCheckError,
                policyrules.PolicySyntaxError, policyrules.WorkerError,
                policyrules.UnknownTrainingError, policyrules.UsageError):
        assert issubclass(cls, policyrules.PolicyError)
