"""policyrules.diff and `policyrules diff` (CONTRACT §7): comparing two policies."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from conftest import AS_OF, ROOT, write
from policyrules.cli import cli
from policyrules.diff import Comparison, Difference
from strategies import DAYS, worker_dicts

BASE = str(ROOT / "policies" / "pan_lancashire.policy")
LOCAL = str(ROOT / "policies" / "local" / "pan_lancashire_3yr.policy")
SMALL_PATH = Path(__file__).parent / "fixtures" / "cli" / "small.policy"
SMALL = SMALL_PATH.read_text(encoding="utf-8")
DAY = datetime.timedelta(days=1)


def _variant(old: str, new: str) -> policyrules.Policy:
    assert old in SMALL
    return policyrules.loads(SMALL.replace(old, new), name="variant.policy")


def _status(policy: policyrules.Policy, worker: policyrules.Worker, rid: str,
            day: datetime.date) -> str | None:
    found = policy.evaluate(worker, as_of=day).finding(rid)
    return found.status if found is not None else None


def _holds(c: Comparison, d: Difference) -> None:
    """Each difference is a real counterexample: its example worker, evaluated afresh by
    each policy, has those statuses on as_of; and (unless `from` is the day the worker
    started) on the day before `from` the policies agreed."""
    assert _status(c.old, d.example, d.requirement, c.as_of) == d.old
    assert _status(c.new, d.example, d.requirement, c.as_of) == d.new
    assert d.since is not None and d.example.started <= d.since <= c.as_of
    if d.since == d.example.started:
        return
    before = d.since - DAY
    assert _status(c.old, d.example, d.requirement, before) == \
        _status(c.new, d.example, d.requirement, before)


def test_a_local_three_year_refresher_differs_for_whom_and_from_when() -> None:
    c = policyrules.diff(BASE, LOCAL, as_of=AS_OF)
    assert not c.equivalent
    assert [(d.requirement, d.old, d.new) for d in c.differences] == [
        ("inter-agency-training", "met", "overdue")]
    d = c.differences[0]
    _holds(c, d)
    # From when: three years (clipped) after the training, the day after the deadline.
    (record,) = d.example.training
    assert record.training == "inter-agency-safeguarding"
    assert d.since == record.completed + relativedelta(years=3) + DAY
    assert d.new_due == record.completed + relativedelta(years=3) and d.old_due is None
    # For whom: those the requirement applies to, and no one else.
    whom = {p.describe() for p in d.profiles}
    assert {"contact regular; no roles", "contact predominant; no roles",
            "contact none; roles operational-manager"} <= whom
    assert not whom & {"contact none; no roles", "contact occasional; no roles"}
    data = c.to_dict()
    assert data["equivalent"] is False
    assert {"worker", "requirement", "old", "new", "example"} <= set(data["differences"][0])
    assert data["differences"][0]["example"]["training"][0]["training"] == \
        "inter-agency-safeguarding"


@settings(max_examples=5)
@given(as_of=DAYS)
def test_a_policy_is_equivalent_to_itself(as_of: datetime.date) -> None:
    c = policyrules.diff(LOCAL, LOCAL, as_of=as_of)
    assert c.equivalent and c.differences == () and c.profiles > 0 and c.workers > 0
    assert c.to_dict()["equivalent"] is True


def test_a_shorter_deadline_is_found_with_its_day() -> None:
    old, new = policyrules.loads(SMALL), _variant("due within 6 months of start",
                                                  "due within 3 months of start")
    c = policyrules.diff(old, new, as_of=AS_OF)
    assert {(d.requirement, d.old, d.new) for d in c.differences} == {
        ("induction", "due", "overdue")}
    d = c.differences[0]
    _holds(c, d)
    assert not d.example.training
    assert d.since == d.example.started + relativedelta(months=3) + DAY


def test_who_it_applies_to_is_a_difference() -> None:
    old = policyrules.loads(SMALL)
    new = _variant("applies to contact at least occasional", "applies to contact at least regular")
    c = policyrules.diff(old, new, as_of=AS_OF)
    assert {d.new for d in c.differences} == {None}
    assert {d.old for d in c.differences} == {"due", "overdue", "met"}
    for d in c.differences:
        _holds(c, d)
        assert {p.contact for p in d.profiles} == {"occasional"}


def test_a_deadline_from_taking_a_role_is_compared() -> None:
    old = policyrules.loads(SMALL)
    new = _variant("due within 3 months of role supervisor", "due within 3 months of start")
    c = policyrules.diff(old, new, as_of=AS_OF)
    assert c.differences and {d.requirement for d in c.differences} == {"supervision"}
    for d in c.differences:
        _holds(c, d)
        assert all("supervisor" in p.roles for p in d.profiles)


def test_over_workers_who_changes_and_how() -> None:
    long_ago = {"id": "long-ago", "started": "2005-09-01", "contact": "regular",
                "training": [{"training": "safeguarding-awareness", "completed": "2005-09-05"},
                             {"training": "inter-agency-safeguarding",
                              "completed": "2008-03-12", "delivery": "inter-agency"}]}
    recent = dict(long_ago, id="recent", training=[
        {"training": "safeguarding-awareness", "completed": "2019-04-03"},
        {"training": "inter-agency-safeguarding", "completed": "2025-06-18"}])
    bad = {"id": "bad", "started": "2020-01-01", "contact": "regualr"}
    c = policyrules.diff(BASE, LOCAL, [recent, bad, long_ago], as_of=AS_OF)
    assert not c.equivalent and c.workers == 2
    assert [(d.worker, d.requirement, d.old, d.new, d.old_due, d.new_due)
            for d in c.differences] == [
        ("recent", "inter-agency-training", "met", "met", None, datetime.date(2028, 6, 18)),
        ("long-ago", "inter-agency-training", "met", "overdue", None, datetime.date(2011, 3, 12)),
    ]
    assert [(x.worker, x.old, x.new) for x in c.compliance] == [("long-ago", True, False)]
    ((index, error),) = c.errors
    assert index == 1 and error.field == "contact"
    assert c.to_dict()["differences"][1]["example"]["id"] == "long-ago"


def test_diff_needs_a_plain_date() -> None:
    with pytest.raises(policyrules.UsageError, match="as_of"):
        policyrules.diff(BASE, BASE, as_of="2026-11-22")  # type: ignore[arg-type]


# the command ------------------------------------------------------------------------------

def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_cli_diff_exit_status_and_text() -> None:
    code, out = _run("diff", BASE, LOCAL, "--as-of", "2026-11-22")
    assert code == 1
    assert "inter-agency-training: met → overdue" in out
    assert "For whom:" in out and "From when:" in out
    code, out = _run("diff", BASE, BASE, "--as-of", "2026-11-22")
    assert code == 0 and "Equivalent" in out


def test_cli_diff_json_with_workers(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl", "\n".join([
        json.dumps({"id": "A", "started": "2005-09-01", "contact": "regular", "training": [
            {"training": "inter-agency-safeguarding", "completed": "2008-03-12"}]}),
        "{not json",
        json.dumps({"id": "B", "started": "2005-09-01", "contact": "none"}),
    ]) + "\n")
    code, out = _run("diff", BASE, LOCAL, workers, "--as-of", "2026-11-22", "-f", "json")
    assert code == 2  # a record could not be read: reported, and the rest compared
    data = json.loads(out)
    assert data["equivalent"] is False
    assert [(d["worker"], d["old"], d["new"]) for d in data["differences"]] == [
        ("A", "met", "overdue")]
    assert [e["line"] for e in data["errors"]] == [2]


def test_cli_diff_a_broken_policy_is_exit_2(tmp_path: Path) -> None:
    broken = write(tmp_path, "b.policy", "policy b\nrequirement r\n")
    code, _ = _run("diff", BASE, broken)
    assert code == 2


def test_cli_diff_help_has_an_example() -> None:
    code, out = _run("diff", "--help")
    assert code == 0 and "Examples:" in out and "policyrules diff " in out
    code, out = _run("--help")
    assert "  diff " in out


def test_the_documented_diff_commands_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    block = text.split("## `diff OLD NEW [WORKERS]`")[1].split("```console\n")[1].split("```")[0]
    commands = [shlex.split(line)[1:] for line in block.splitlines()]
    assert len(commands) == 3
    # equivalent: 0; not: 1; a workforce with rejected records (examples/README.md): 2
    assert [_run(*words)[0] for words in commands] == [1, 0, 2]


# Completeness: whatever a worker shows, the profile comparison found -----------------------

_SMALL_ROLES = ["supervisor", "trainer"]
_SMALL_TRAININGS = ["induction-course", "inter-agency-course", "supervision-course"]


def _small(within: int, renew: int | None, regular: bool) -> policyrules.Policy:
    text = SMALL.replace("due within 6 months of start", f"due within {within} months of start")
    text = text.replace("renew every 3 years", f"renew every {renew} years" if renew
                        else "")
    if not regular:
        text = text.replace("applies to group regular-contact", "applies to contact predominant")
    # the file's examples pin the shipped values; a variant is compared, not tested
    return policyrules.loads(text.split('\nexample "')[0], name="variant.policy")


@settings(max_examples=25)
@given(old=st.tuples(st.integers(1, 12), st.none() | st.integers(1, 4), st.booleans()),
       new=st.tuples(st.integers(1, 12), st.none() | st.integers(1, 4), st.booleans()),
       workers=st.lists(worker_dicts(_SMALL_ROLES, _SMALL_TRAININGS), min_size=1, max_size=8),
       as_of=DAYS)
def test_every_difference_a_worker_shows_is_found(
        old: tuple[int, int | None, bool], new: tuple[int, int | None, bool],
        workers: list[dict[str, object]], as_of: datetime.date) -> None:
    a, b = _small(*old), _small(*new)
    c = policyrules.diff(a, b, as_of=as_of)
    found = {(d.requirement, d.old, d.new) for d in c.differences}
    for d in c.differences:
        _holds(c, d)
    for w in workers:
        worker = a.worker(w)
        if worker.started > as_of:
            continue  # not yet employed: no profile comparison speaks for them
        for rid in ("induction", "inter-agency", "supervision"):
            pair = (_status(a, worker, rid, as_of), _status(b, worker, rid, as_of))
            if pair[0] != pair[1]:
                assert (rid, *pair) in found, (w, rid, pair)
    if old == new:
        assert c.equivalent
