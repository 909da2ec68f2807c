"""Loading: caching, extends, file errors."""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

import policyrules
from conftest import FIXTURES
from policyrules import PolicyFileError, pipeline


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


def _extending(tmp_path: Path, target: str) -> Path:
    local = tmp_path / "local.policy"
    local.write_text(f'policy local title "L" extends "{target}"\n')
    return local


@pytest.mark.parametrize("target", ["/etc/passwd", "/proc/self/environ", "/dev/zero",
                                    "../../../../etc/hostname", "notes.txt"])
def test_only_policy_files_may_be_extended(tmp_path: Path, target: str) -> None:
    (tmp_path / "notes.txt").write_text("secret: swordfish\n")
    with pytest.raises(PolicyFileError) as info:
        policyrules.load(_extending(tmp_path, target))
    message = str(info.value)
    assert message.startswith(f"{os.path.normpath(os.path.join(tmp_path, target))}: only "
                              ".policy files may be extended (extended at ")
    assert "swordfish" not in message and "root:" not in message
    assert os.environ.get("PATH", "-") not in message


def test_a_link_named_policy_to_another_file_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "base.policy").symlink_to("/etc/passwd")
    with pytest.raises(PolicyFileError, match=r"only \.policy files may be extended") as info:
        policyrules.load(_extending(tmp_path, "base.policy"))
    assert "root:" not in str(info.value)


def test_extending_a_fifo_or_a_device_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "base.policy")
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            policyrules.load(_extending(tmp_path, "base.policy"))
            outcome.append(None)
        except BaseException as exc:  # handed to the test thread below
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "loading a policy that extends a FIFO hangs"
    assert isinstance(outcome[0], PolicyFileError)
    assert "base.policy: not a regular file" in str(outcome[0])
    (tmp_path / "dev.policy").symlink_to("/dev/zero")
    with pytest.raises(PolicyFileError, match="not a regular file"):
        policyrules.load(tmp_path / "dev.policy")


def test_a_policy_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.policy"
    with path.open("wb") as f:
        f.write(b"policy big\n")
        f.truncate(pipeline.MAX_POLICY_BYTES + 1)
    with pytest.raises(PolicyFileError, match=r"larger than a policy file may be \(10,485,760"):
        policyrules.load(path)


def test_the_size_limit_holds_for_what_is_read(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    text = (FIXTURES / "features.policy").read_bytes()
    path = tmp_path / "f.policy"
    path.write_bytes(text)
    monkeypatch.setattr(pipeline, "MAX_POLICY_BYTES", len(text))
    assert policyrules.load(path).id == "features"
    assert pipeline.read_bytes(str(path)) == text
    monkeypatch.setattr(pipeline, "MAX_POLICY_BYTES", len(text) - 1)
    with pytest.raises(PolicyFileError, match="larger than a policy file may be"):
        pipeline.read_bytes(str(path))


@pytest.mark.parametrize("path, error, words", [
    (b"policies/durham.policy", policyrules.UsageError, "not bytes b'policies/durham.policy'"),
    (5, policyrules.UsageError, "not int 5"),
    (None, policyrules.UsageError, "not NoneType None"),
    ("a\x00b.policy", PolicyFileError, "'a\\x00b.policy': a file name cannot hold a NUL"),
    ("a\ud800.policy", PolicyFileError, "'a\\ud800.policy': not a usable file name"),
    ("a\x1b[31m.policy", PolicyFileError, "'a\\x1b[31m.policy': no such policy file"),
])
def test_a_bad_path_is_a_policy_error(path: object, error: type, words: str) -> None:
    with pytest.raises(error) as info:
        policyrules.load(path)  # type: ignore[arg-type]
    assert isinstance(info.value, policyrules.PolicyError)
    assert words in str(info.value)
    with pytest.raises(error):
        pipeline.run_file(path)  # type: ignore[arg-type]
