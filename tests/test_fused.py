"""JSON Lines decided and encoded in one step (batch/stages.py `FUSED`): the compiled
evaluator's compact form, written by `DecisionJson.compact`, against the general path
(a `Decision`, its `to_dict()`, json), byte for byte."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyrules
from conftest import FIXTURES, ROOT, run, write
from policyrules.batch.stages import FUSED, STAGES, Job
from policyrules.contract.explain import any_later
from policyrules.contract.workers import Worker
from policyrules.errors import WorkerError
from policyrules.render import MACHINE_FORMATS
from policyrules.render.formats import JsonLines
from policyrules.testing import as_of_dates, workers
from strategies import DAYS, worker_dicts

POLICIES = [policyrules.load(p) for p in (
    FIXTURES / "features.policy", FIXTURES / "features_local.policy",
    FIXTURES / "framework.policy",
    *sorted((ROOT / "policies").rglob("*.policy")))]


def _expected(policy: policyrules.Policy, worker: Worker, as_of: datetime.date,
              explain: bool) -> tuple[str, bool]:
    """The general path's text: json's text of the Decision's dict."""
    decision = policy.evaluate_checked(worker, as_of)
    expected = decision.to_dict()
    if not explain:
        for f in expected["findings"]:
            del f["explanation"]
    return json.dumps(expected, ensure_ascii=False) + "\n", decision.compliant


def _same(policy: policyrules.Policy, fmt: JsonLines, worker: Worker,
          as_of: datetime.date) -> None:
    try:
        expected = _expected(policy, worker, as_of, fmt.explain)
    except WorkerError as exc:  # a deadline past the calendar: the same error both ways
        try:
            policy.evaluate_compact(worker, as_of)
        except WorkerError as other:
            assert str(other) == str(exc)
            return
        raise AssertionError("the compact form decided a worker the general path refused") from None
    decided = policy.evaluate_compact(worker, as_of)
    text, compliant = fmt.compact(policy.model, worker, as_of, decided)
    # JSON Lines escapes U+2028, U+2029 and U+0085 afterwards; ids here have none.
    assert (text, compliant) == expected
    assert text == fmt.decision(1, worker, policy.evaluate_checked(worker, as_of))


# Several workers in a row through one writer, as a run has, on generated days (a quarter
# on month ends, 29 February among them), with and without explanations.
@settings(max_examples=300)
@given(st.data(), st.booleans())
def test_compact_text_is_the_json_of_the_decision(data: st.DataObject, explain: bool) -> None:
    policy = data.draw(st.sampled_from(POLICIES))
    fmt = JsonLines(datetime.date(2026, 11, 22), explain=explain)
    for _ in range(data.draw(st.integers(1, 4))):
        worker = data.draw(workers(policy, details=True))
        _same(policy, fmt, worker, data.draw(as_of_dates()))


# Workers as files hold them (records of unknown courses, dated after the day, several on
# one day, hours and providers of their own), decided on any day from 2015 to 2030.
@settings(max_examples=300)
@given(st.data(), st.booleans())
def test_compact_text_of_worker_records(data: st.DataObject, explain: bool) -> None:
    policy = data.draw(st.sampled_from(POLICIES))
    model = policy.model
    fmt = JsonLines(datetime.date(2026, 11, 22), explain=explain)
    for _ in range(data.draw(st.integers(1, 3))):
        record = data.draw(worker_dicts(sorted(model.role_names),
                                        [t.id for t in model.trainings]))
        _same(policy, fmt, policy.worker(record), data.draw(DAYS))


# Generated policies: the features fixture with any subset of its requirements (hours,
# `counts as`, event-anchored deadlines, `in force`), in any order, and none of its
# examples (which name them).
_FEATURES = (FIXTURES / "features.policy").read_text(encoding="utf-8")
_DECLARATIONS = re.split(r"\n(?=\S)", _FEATURES)
_REQUIREMENTS = [d for d in _DECLARATIONS if d.startswith("requirement ")]
_REST = [d for d in _DECLARATIONS if not d.startswith(("requirement ", "example "))]


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_compact_text_of_generated_policies(data: st.DataObject) -> None:
    kept = data.draw(st.permutations(_REQUIREMENTS).flatmap(
        lambda rs: st.integers(0, len(rs)).map(lambda n: rs[:n])))
    policy = policyrules.loads("\n".join([*_REST, *kept]) + "\n", "generated.policy")
    fmt = JsonLines(datetime.date(2026, 11, 22), explain=data.draw(st.booleans()))
    model = policy.model
    for _ in range(3):
        record = data.draw(worker_dicts(sorted(model.role_names),
                                        [t.id for t in model.trainings]))
        _same(policy, fmt, policy.worker(record), data.draw(DAYS))


@settings(max_examples=200)
@given(st.data())
def test_the_compact_form_is_the_decision_s_fields(data: st.DataObject) -> None:
    policy = data.draw(st.sampled_from(POLICIES))
    worker = data.draw(workers(policy, details=True))
    as_of = data.draw(as_of_dates())
    try:
        decision = policy.evaluate_checked(worker, as_of)
    except WorkerError:
        return
    groups, items, unknown, later = policy.evaluate_compact(worker, as_of)
    assert groups == decision.groups
    assert unknown == decision.unrecognised_training
    assert later == any_later(worker, as_of)
    assert [(rule, status, due, evidence) for rule, status, due, evidence, _ in items] == [
        (f.rule, f.status, f.due, f.evidence) for f in decision.findings]


def test_a_deadline_past_the_calendar_is_the_same_error_record() -> None:
    durham = POLICIES[-2] if POLICIES[-2].id == "durham" else next(
        p for p in POLICIES if p.id == "durham")
    worker = durham.worker({"id": "W1", "started": "9999-10-01", "contact": "regular"})
    as_of = datetime.date(9999, 11, 1)
    fmt = JsonLines(as_of)
    job = Job(durham, as_of, fmt)
    assert job.stages == FUSED
    fused = job.stages[-1](job, [(1, {}, worker)])
    general = Job(durham, as_of, fmt, log="line")
    assert general.stages == STAGES
    texts = STAGES[-1](general, STAGES[1](general, [(1, {}, worker)]))
    assert fused == texts
    assert json.loads(fused[0])["error"]["field"] == "started"
    assert job.counts.as_tuple() == general.counts.as_tuple() == (0, 0, 1)


def test_only_json_lines_without_kept_columns_or_a_log_fuse() -> None:
    durham = POLICIES[0]
    day = datetime.date(2026, 11, 22)
    assert Job(durham, day, MACHINE_FORMATS["jsonl"](day)).stages == FUSED
    assert Job(durham, day, MACHINE_FORMATS["jsonl"](day, explain=False)).stages == FUSED
    assert Job(durham, day, MACHINE_FORMATS["jsonl"](day, keep=("agency",))).stages == STAGES
    assert Job(durham, day, MACHINE_FORMATS["jsonl"](day), log="line").stages == STAGES
    assert Job(durham, day, MACHINE_FORMATS["csv"](day)).stages == STAGES
    assert Job(durham, day, MACHINE_FORMATS["json"](day)).stages == STAGES
    assert Job(durham, day).stages == STAGES


# The command line: a run that fuses (no log) and one that cannot (a log), on the example
# workers and on generated ones with bad rows, in one process and with --jobs 2.
def _evaluate(*args: str) -> bytes:
    result = run("evaluate", *args, "--quiet")
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout_bytes


def test_fused_runs_write_what_the_general_path_writes(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = tmp_path / "bad.jsonl"
    subprocess.run([sys.executable, str(ROOT / "examples" / "generate.py"), "--count", "600",
                    "--jsonl", str(bad)], check=True, capture_output=True)
    inputs = [str(ROOT / "examples" / "workers.jsonl"), str(bad)]
    log = str(tmp_path / "log")
    for policy in (ROOT / "policies" / "durham.policy", FIXTURES / "features.policy"):
        for workers_file in inputs:
            for day in ("2026-11-22", "2028-02-29", "2026-01-31"):
                for extra in ((), ("--no-explain",), ("--jobs", "2")):
                    args = (str(policy), workers_file, "--as-of", day, "-f", "jsonl", *extra)
                    assert _evaluate(*args) == _evaluate(*args, "--log", log), args


def test_a_json_lines_id_with_line_breaks_stays_on_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "w.jsonl",
                 json.dumps({"id": "W\u2028\u0085", "started": "2020-01-01",
                             "contact": "regular"}) + "\n")
    durham = str(ROOT / "policies" / "durham.policy")
    fused = _evaluate(durham, path, "--as-of", "2026-11-22", "-f", "jsonl")
    general = _evaluate(durham, path, "--as-of", "2026-11-22", "-f", "jsonl",
                        "--log", str(tmp_path / "log"))
    assert fused == general
    assert fused.count(b"\n") == 1 and b"\\u2028\\u0085" in fused
