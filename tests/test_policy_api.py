"""The integrator's Policy: loads, fingerprint, pickling, sharing between threads."""

from __future__ import annotations

import datetime
import hashlib
import json
import multiprocessing
import pickle
import shutil
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from conftest import AS_OF, ROOT, write
from policyrules.render import DecisionJson
from strategies import DAYS, worker_dicts

BASE = ROOT / "policies" / "pan_lancashire.policy"
LOCAL = ROOT / "policies" / "local" / "pan_lancashire_3yr.policy"
DURHAM = ROOT / "policies" / "durham.policy"
WORKER = {"id": "W1", "started": "2020-01-06", "contact": "regular",
          "training": [{"training": "inter-agency-safeguarding", "completed": "2021-03-01",
                        "delivery": "inter-agency"}]}


def _sha(*texts: str) -> str:
    """The documented recipe, written out independently: each part as `len:bytes`."""
    h = hashlib.sha256()
    for part in (f"policyrules {policyrules.__version__}", *texts):
        data = part.encode("utf-8")
        h.update(b"%d:" % len(data) + data)
    return h.hexdigest()


# loads ------------------------------------------------------------------------------------

def test_loads_gives_the_same_decisions_as_load() -> None:
    text = DURHAM.read_text(encoding="utf-8")
    inline = policyrules.loads(text, name="durham-from-db.policy")
    loaded = policyrules.load(DURHAM)
    w = {"id": "W1", "started": "2025-03-01", "contact": "regular"}
    assert inline.path == "durham-from-db.policy"
    assert inline.evaluate(w, as_of=AS_OF).to_dict() == loaded.evaluate(w, as_of=AS_OF).to_dict()


def test_loads_resolves_extends_against_base_dir_only(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    text = LOCAL.read_text(encoding="utf-8")
    policy = policyrules.loads(text, base_dir=LOCAL.parent)
    assert policy.id == "pan-lancashire-3yr"
    assert policy.evaluate(WORKER, as_of=AS_OF).finding("inter-agency-training").status \
        == "overdue"  # the three-year refresher came with the local text
    # Without base_dir the working directory is never tried, even where it would work.
    monkeypatch.chdir(LOCAL.parent)
    with pytest.raises(policyrules.PolicyFileError, match="pass base_dir="):
        policyrules.loads(text)
    with pytest.raises(policyrules.PolicyFileError, match="no such policy file"):
        policyrules.loads(text, base_dir=tmp_path)


def test_loads_errors_name_the_given_name() -> None:
    with pytest.raises(policyrules.PolicyCheckError) as info:
        policyrules.loads("policy p\nrequirement r \"R\"\n  satisfied by nothing\n",
                          name="from-db.policy")
    assert "from-db.policy:" in str(info.value)
    with pytest.raises(policyrules.UsageError, match="as text"):
        policyrules.loads(b"policy p\n", name="x")  # type: ignore[arg-type]


# fingerprint ------------------------------------------------------------------------------

def test_fingerprint_covers_every_file_base_first_and_the_version() -> None:
    base, local = BASE.read_text(encoding="utf-8"), LOCAL.read_text(encoding="utf-8")
    assert policyrules.load(BASE).fingerprint == _sha(base)
    assert policyrules.load(LOCAL).fingerprint == _sha(base, local)
    assert _sha(base, local) != _sha(local, base)


def test_fingerprint_changes_with_an_extended_file(tmp_path: Path) -> None:
    shutil.copy(BASE, tmp_path / "pan_lancashire.policy")
    (tmp_path / "local").mkdir()
    local = write(tmp_path, "local/l.policy", LOCAL.read_text(encoding="utf-8"))
    before = policyrules.load(local).fingerprint
    with open(tmp_path / "pan_lancashire.policy", "a", encoding="utf-8") as f:
        f.write("\n# a comment is a change of text\n")
    assert policyrules.load(local).fingerprint != before


def test_fingerprint_is_in_every_decision_and_in_describe() -> None:
    policy = policyrules.load(LOCAL)
    decision = policy.evaluate(WORKER, as_of=AS_OF)
    data = decision.to_dict()
    assert data["fingerprint"] == policy.fingerprint == decision.fingerprint
    # CONTRACT §2 otherwise unchanged: the same keys, in the same order, plus this one.
    assert list(data) == ["worker", "policy", "fingerprint", "as_of", "compliant", "groups",
                          "findings", "unrecognised_training"]
    assert json.loads(DecisionJson()(decision)) == data
    assert policy.interpret(WORKER, as_of=AS_OF).to_dict()["fingerprint"] == policy.fingerprint
    assert policy.describe()["fingerprint"] == policy.fingerprint


# pickling ---------------------------------------------------------------------------------

def test_a_policy_pickles_by_content(tmp_path: Path) -> None:
    path = write(tmp_path, "p.policy", BASE.read_text(encoding="utf-8"))
    policy = policyrules.load(path)
    data = pickle.dumps(policy)
    Path(path).unlink()  # the file is not needed to unpickle
    again = pickle.loads(data)
    assert again.fingerprint == policy.fingerprint and again.id == policy.id
    assert again.evaluate(WORKER, as_of=AS_OF).to_dict() == \
        policy.evaluate(WORKER, as_of=AS_OF).to_dict()


def _evaluate_in_child(data: bytes) -> dict[str, object]:
    policy = pickle.loads(data)
    result: dict[str, object] = policy.evaluate(WORKER, as_of=AS_OF).to_dict()
    return result


def test_a_policy_crosses_a_spawned_process() -> None:
    policy = policyrules.load(LOCAL)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        # the Policy itself is the argument: the pool pickles it
        child = pool.apply(_evaluate_policy_in_child, (policy,))
        raw = pool.apply(_evaluate_in_child, (pickle.dumps(policy),))
    assert child == raw == policy.evaluate(WORKER, as_of=AS_OF).to_dict()


def _evaluate_policy_in_child(policy: policyrules.Policy) -> dict[str, object]:
    result: dict[str, object] = policy.evaluate(WORKER, as_of=AS_OF).to_dict()
    return result


# threads ----------------------------------------------------------------------------------

_DURHAM = policyrules.load(DURHAM)


@settings(max_examples=10)
@given(workers=st.lists(worker_dicts(sorted(_DURHAM.model.role_names),
                                     [t.id for t in _DURHAM.model.trainings]),
                        min_size=1, max_size=20),
       as_of=DAYS)
def test_one_policy_shared_between_threads_decides_as_alone(
        workers: list[dict[str, object]], as_of: datetime.date) -> None:
    alone = [_DURHAM.evaluate(w, as_of=as_of).to_dict() for w in workers]
    results: list[list[list[dict[str, object]]]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def work(i: int) -> None:
        start.wait()
        for _ in range(5):
            results[i].append([_DURHAM.evaluate(w, as_of=as_of).to_dict()
                               for w in workers])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for per_thread in results:
        assert per_thread == [alone] * 5


def test_describe_command_shows_the_fingerprint() -> None:
    from click.testing import CliRunner

    from policyrules.cli import cli

    policy = policyrules.load(LOCAL)
    text = CliRunner().invoke(cli, ["describe", str(LOCAL)])
    assert text.exit_code == 0 and f"fingerprint: {policy.fingerprint}\n" in text.output
    data = CliRunner().invoke(cli, ["describe", str(LOCAL), "--format", "json"])
    assert json.loads(data.output)["fingerprint"] == policy.fingerprint
