"""JSON Lines decided and encoded in one step (batch/stages.py `FUSED`): the compiled
evaluator's text form (`Policy.evaluate_text`), writing with the encoder's kit
(`DecisionJson.kit`), against the general path (a `Decision`, its `to_dict()`, json),
byte for byte."""

from __future__ import annotations

import datetime
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyrules
from conftest import FIXTURES, ROOT, run, write
from policyrules.batch.stages import FUSED, STAGES, Job
from policyrules.contract.decision import Decision, Finding
from policyrules.contract.explain import Shape, any_later, shape
from policyrules.contract.shape import LineRecord, lines_as_read
from policyrules.contract.workers import TrainingRecord, Worker
from policyrules.errors import WorkerError
from policyrules.render import MACHINE_FORMATS, contract_json
from policyrules.render.contract_json import (
    TextKit,
    _around,
    _form,
    _inside,
    found_shape,
    template,
)
from policyrules.render.formats import JsonLines
from policyrules.testing import as_of_dates, workers
from strategies import DAYS, worker_dicts

POLICIES = [policyrules.load(p) for p in (
    FIXTURES / "features.policy", FIXTURES / "features_local.policy",
    FIXTURES / "framework.policy",
    *sorted((ROOT / "policies").rglob("*.policy")))]


def _dict(decision: Decision, explain: bool) -> dict[str, Any]:
    """The decision's dict (CONTRACT §2), without explanations unless `explain`."""
    expected = decision.to_dict()
    if not explain:
        for f in expected["findings"]:
            del f["explanation"]
    return expected


def _expected(policy: policyrules.Policy, worker: Worker, as_of: datetime.date,
              explain: bool) -> tuple[str, bool]:
    """The general path's text: json's text of the Decision's dict."""
    decision = policy.evaluate_checked(worker, as_of)
    return json.dumps(_dict(decision, explain), ensure_ascii=False) + "\n", decision.compliant


def _as_read(policy: policyrules.Policy, record: dict[str, Any]) -> Worker:
    """The worker of `record` as a JSON Lines block decided in one step hands it to the
    text form: the line as msgspec decoded it, its training records too."""
    workers = lines_as_read([json.dumps(record)], policy.model.role_names)
    assert workers is not None, "a generated record of the usual shape"
    (worker,) = workers
    assert type(worker) is not Worker and all(type(r) is LineRecord for r in worker.training)
    return worker


def _same(policy: policyrules.Policy, fmt: JsonLines, worker: Worker,
          as_of: datetime.date, record: dict[str, Any] | None = None) -> None:
    """The text form writes the general path's text for `worker`, and for `record`'s
    worker as read (`_as_read`), when given, the same."""
    kit = fmt.kit(policy.model)
    readings = [worker] if record is None else [worker, _as_read(policy, record)]
    try:
        expected = _expected(policy, worker, as_of, fmt.explain)
    except WorkerError as exc:  # a deadline past the calendar: the same error both ways
        for reading in readings:
            try:
                policy.evaluate_text(reading, as_of, kit)
            except WorkerError as other:
                assert str(other) == str(exc)
                continue
            raise AssertionError(
                "the text form decided a worker the general path refused") from None
        return
    if record is not None:
        assert policy.evaluate_text(readings[1], as_of, kit) == expected
    text, compliant = policy.evaluate_text(worker, as_of, kit)
    # JSON Lines escapes U+2028, U+2029 and U+0085 afterwards; ids here have none.
    assert (text, compliant) == expected
    decision = policy.evaluate_checked(worker, as_of)
    assert text == fmt.decision(1, worker, decision)  # `DecisionJson.text`
    assert json.loads(text) == _dict(decision, fmt.explain)


# Several workers in a row through one writer, as a run has, on generated days (a quarter
# on month ends, 29 February among them), with and without explanations.
@settings(max_examples=300)
@given(st.data(), st.booleans())
def test_generated_text_is_the_json_of_the_decision(data: st.DataObject, explain: bool) -> None:
    policy = data.draw(st.sampled_from(POLICIES))
    fmt = JsonLines(datetime.date(2026, 11, 22), explain=explain)
    for _ in range(data.draw(st.integers(1, 4))):
        worker = data.draw(workers(policy, details=True))
        _same(policy, fmt, worker, data.draw(as_of_dates()))


# Workers as files hold them (records of unknown courses, dated after the day, several on
# one day, hours and providers of their own), decided on any day from 2015 to 2030.
@settings(max_examples=300)
@given(st.data(), st.booleans())
def test_generated_text_of_worker_records(data: st.DataObject, explain: bool) -> None:
    policy = data.draw(st.sampled_from(POLICIES))
    model = policy.model
    fmt = JsonLines(datetime.date(2026, 11, 22), explain=explain)
    for _ in range(data.draw(st.integers(1, 3))):
        record = data.draw(worker_dicts(sorted(model.role_names),
                                        [t.id for t in model.trainings]))
        _same(policy, fmt, policy.worker(record), data.draw(DAYS), record)


# Generated policies: the features fixture with any subset of its requirements (hours,
# `counts as`, event-anchored deadlines, `in force`), in any order, and none of its
# examples (which name them).
_FEATURES = (FIXTURES / "features.policy").read_text(encoding="utf-8")
_DECLARATIONS = re.split(r"\n(?=\S)", _FEATURES)
_REQUIREMENTS = [d for d in _DECLARATIONS if d.startswith("requirement ")]
_REST = [d for d in _DECLARATIONS if not d.startswith(("requirement ", "example "))]


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_text_of_generated_policies(data: st.DataObject) -> None:
    kept = data.draw(st.permutations(_REQUIREMENTS).flatmap(
        lambda rs: st.integers(0, len(rs)).map(lambda n: rs[:n])))
    policy = policyrules.loads("\n".join([*_REST, *kept]) + "\n", "generated.policy")
    fmt = JsonLines(datetime.date(2026, 11, 22), explain=data.draw(st.booleans()))
    model = policy.model
    for _ in range(3):
        record = data.draw(worker_dicts(sorted(model.role_names),
                                        [t.id for t in model.trainings]))
        _same(policy, fmt, policy.worker(record), data.draw(DAYS), record)


# The generated code writes the usual findings itself (engines/compiled.py `_Writer.met`,
# `undated`, `dated`, `lapsed`), hands every other one of a rule whose records are the
# latest of each course to the kit with the facts it found (`TextKit.found`), and the
# rest to the encoder's
# general code (`TextKit.general`): held to the definition of the usual ones, on
# generated workers and days, so that a fast path that stopped being taken (the same
# bytes, slower) fails here. Each finding given to `found` has the shape and days the
# general code finds for it (`explain.shape`), so that it takes the same template.
@settings(max_examples=300)
@given(st.data(), st.booleans())
def test_only_unusual_findings_take_the_general_code(data: st.DataObject,
                                                     explain: bool) -> None:
    policy = data.draw(st.sampled_from(POLICIES))
    worker = data.draw(workers(policy, details=True))
    as_of = data.draw(as_of_dates())
    try:
        decision = policy.evaluate_checked(worker, as_of)
    except WorkerError:
        return
    kit = JsonLines(as_of, explain=explain).kit(policy.model)
    handed = _handed(kit)
    given_facts = _found(kit)
    text, _ = policy.evaluate_text(worker, as_of, kit)
    assert json.loads(text) == _dict(decision, explain)
    index = {r.id: k for k, r in enumerate(policy.model.requirements)}

    def usual(f: Finding) -> bool:
        rule = f.rule
        if rule.hours is not None:
            return False
        if f.status == "met":
            # Explained, the words of `explain.in_one_step`, which no record of the rule's
            # dated after the day may change.
            return (len(f.evidence) == 1 and _around(f.evidence[0]) is not None
                    and not (explain and any(r.training in rule.satisfied_by
                                             for r in worker.training if r.completed > as_of)))
        if f.due is None:
            # No record of the rule at all, where the code knows it, and words with a
            # place for the id alone (`DecisionJson._unrecorded`), or none.
            return (rule.delivery is None and rule.provider is None
                    and not any(r.training in rule.satisfied_by for r in worker.training)
                    and bool(kit.rules[index[rule.id]].unrecorded.get(f.status)))
        return _cut(f, explain)

    assert [item[0].id for item in handed] == [f.requirement for f in decision.findings
                                               if not usual(f) and not _plain(f)]
    _same_facts(given_facts, [f for f in decision.findings if not usual(f) and _plain(f)])


def _plain(f: Finding) -> bool:
    """Of a rule whose records are the latest of each course."""
    return f.rule.hours is None and f.rule.delivery is None and f.rule.provider is None


def _cut(f: Finding, explain: bool) -> bool:
    """Whether the generated code writes the dated finding `f` from pieces cut where its
    id and days go (engines/compiled.py `_Writer.dated`, `lapsed`): explained, of a
    rule whose records are the latest of each course (none of them dated after the day),
    a lapsed renewal, or with none counted and a deadline counted from an anchor, its
    due day a `due before first` record's only of a rule with one such course."""
    rule = f.rule
    if not (f.due is not None and explain and _plain(f)
            and not any(r.training in rule.satisfied_by and r.completed > f.as_of
                        for r in f.worker.training)):
        return False
    if f.records.latest is not None:
        return f.status == "overdue"
    return rule.within is not None and (
        f.facts.deadline_record is None
        or (rule.before_first is not None and len(rule.before_first.trainings) == 1))


def _same_facts(given: list[tuple[Any, ...]], findings: list[Finding]) -> None:
    """Each finding given to the kit's `found` (`_found`) is the finding of the decision
    in its place, with the shape and days the general code finds for it."""
    assert [args[1].id for args in given] == [f.requirement for f in findings]
    for args, f in zip(given, findings, strict=True):
        assert args[1:4] == (f.rule, f.status, f.due) and args[4] == f.evidence
        later = any_later(f.worker, f.as_of)
        assert found_shape(*args[1:], f.worker, f.as_of, later) == shape(
            f.rule, f.status, f.due, f.evidence, f.worker, f.as_of, f.records, later)


def _found(kit: TextKit) -> list[tuple[Any, ...]]:
    """What the kit's `found` is given from now on, in order: each finding's kept pieces,
    rule, status, due date, evidence, latest record, anchor and `first`."""
    found, given = kit.found, []

    def recording(out: list[str], *args: Any) -> None:
        given.append(args[:8])
        found(out, *args)

    kit.found = recording
    return given


def _handed(kit: TextKit) -> list[Any]:
    """The findings the kit's general code is handed from now on, in order."""
    general, handed = kit.general, []

    def recording(out: list[str], items: Any, *rest: Any) -> None:
        handed.extend(items)
        general(out, items, *rest)

    kit.general = recording
    return handed


# A line as read (`_as_read`) reaches the encoder's own code, which is typed for them, as
# a `Worker` with `TrainingRecord`s: its records, its findings' evidence and latest record,
# and any record facts, built by `shape.as_records` equal to those the general path reads.
def test_the_encoder_is_given_a_worker_and_training_records_of_a_line_as_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"_found": 0, "_findings": 0}

    def built(records: Any) -> bool:
        return all(type(r) is TrainingRecord for r in records)

    def spy(name: str) -> None:
        real = getattr(contract_json.DecisionJson, name)

        def check(self: Any, out: list[str], *args: Any) -> None:
            calls[name] += 1
            if name == "_found":
                evidence, latest, worker = args[4], args[5], args[8]
                assert built(evidence) and (latest is None or built([latest]))
            else:  # from a Decision too: its Findings, and no worker given
                items, worker = args[0], args[1]
                for item in items:
                    facts = item[4]
                    assert built(item[3]) and (facts is None or built(
                        facts.worker.training if isinstance(facts, Finding)
                        else [*facts.counted, *facts.later, *facts.excluded]))
            assert worker is None or (type(worker) is Worker and built(worker.training))
            real(self, out, *args)

        monkeypatch.setattr(contract_json.DecisionJson, name, check)

    spy("_found")
    spy("_findings")

    @settings(max_examples=150, database=None)
    @given(st.data(), st.booleans())
    def run(data: st.DataObject, explain: bool) -> None:
        policy = data.draw(st.sampled_from(POLICIES))
        model = policy.model
        record = data.draw(worker_dicts(sorted(model.role_names),
                                        [t.id for t in model.trainings]))
        _same(policy, JsonLines(datetime.date(2026, 11, 22), explain=explain),
              policy.worker(record), data.draw(DAYS), record)

    run()
    assert calls["_found"] and calls["_findings"]


def test_the_usual_findings_of_a_run_need_no_general_code() -> None:
    # Durham's usual worker: each met finding from one record, the one missing course
    # undated: none goes to the general code, with or without explanations.
    durham = next(p for p in POLICIES if p.id == "durham")
    as_of = datetime.date(2028, 2, 29)
    worker = durham.worker({
        "id": 'W"1\\', "started": "2020-01-31", "contact": "regular",
        "training": [{"training": t, "completed": day, "delivery": "single-agency",
                      "provider": "in-house", "hours": 3, "level": "level 1"}
                     for t, day in (("safeguarding-induction", "2020-02-29"),
                                    ("safeguarding-refresher", "2026-01-31"))]})
    for explain in (True, False):
        kit = JsonLines(as_of, explain=explain).kit(durham.model)
        handed = _handed(kit)
        text, compliant = durham.evaluate_text(worker, as_of, kit)
        decision = durham.evaluate_checked(worker, as_of)
        assert (text, compliant) == _expected(durham, worker, as_of, explain)
        assert [f.status for f in decision.findings] == ["met", "met", "overdue"]
        assert handed == []


# Durham's dated findings without evidence, through one kit in a row as a run has them:
# the induction of a worker with no record of it, due six months from the start or, when
# earlier, on the day of the first inter-agency course (the day before, on it, after it;
# a leap day), and the lapsed refresher, are written by the generated code from pieces
# cut once (engines/compiled.py `_Writer.dated`, `lapsed`); with a record of the rule
# dated after the day, the words name it, and the finding is the kit's `found`'s.
@pytest.mark.parametrize("as_of", ["2026-02-28", "2026-03-01", "2026-07-31", "2028-02-29"])
def test_dated_findings_without_evidence_are_written_from_cut_pieces(as_of: str) -> None:
    durham = next(p for p in POLICIES if p.id == "durham")
    day = datetime.date.fromisoformat(as_of)
    people = {"new": [], "first": [("inter-agency-foundation", "2026-03-01")],
              "lapsed": [("safeguarding-induction", "2020-02-29"),
                         ("safeguarding-refresher", "2022-02-28")],
              "later": [("safeguarding-induction", "2030-01-31")]}
    for explain in (True, False):
        kit = JsonLines(day, explain=explain).kit(durham.model)
        given, handed = _found(kit), _handed(kit)
        for name, records in people.items():
            worker = durham.worker({
                "id": f'W"{name}\\', "started": "2020-01-31" if name == "lapsed" else "2026-01-31",
                "contact": "regular",
                "training": [{"training": t, "completed": done, "delivery": "single-agency",
                              "provider": "in-house", "hours": 3, "level": "level 1"}
                             for t, done in records]})
            assert durham.evaluate_text(worker, day, kit) == _expected(durham, worker, day,
                                                                       explain)
        assert handed == []
        # Without explanations there are no words to cut: all the kit's, as before.
        assert [args[1].id for args in given] == (
            ["induction"] if explain else ["induction", "induction", "refresher", "induction"])


def test_kits_sharing_an_encoder_write_each_day_their_own_words() -> None:
    # The generated code writes a decision's start from its kit's text of the day
    # (`TextKit.start`), and the encoder's rules keep templates of one day at a time,
    # whose words name it (a record dated after it). Two kits of one model and one
    # encoder, on days taken in turn, with the encoder's own writer between them: each
    # text is that day's.
    durham = next(p for p in POLICIES if p.id == "durham")
    fmt = JsonLines(datetime.date(2026, 11, 22))
    kits = {"\n": fmt.kit(durham.model), "": fmt._encode.kit(durham.model, "")}
    worker = durham.worker({
        "id": "W1", "started": "2020-01-31", "contact": "regular",
        "training": [{"training": "safeguarding-induction", "completed": "2029-02-28"}]})
    days = [datetime.date(2026, 11, 22), datetime.date(2028, 2, 29)]
    for k in range(12):
        # Each kit twice in a row on one day, the other day's decision between.
        end, day = ("", "", "\n", "\n")[k % 4], k // 4 % 2
        text, compliant = durham.evaluate_text(worker, days[day], kits[end])
        expected = _expected(durham, worker, days[day], True)
        assert (text, compliant) == (expected[0][:-1] + end, expected[1])
        assert str(days[day]) in text
        other = days[1 - day]
        assert fmt.decision(1, worker, durham.evaluate_checked(worker, other)) == (
            _expected(durham, worker, other, True)[0])


def test_records_equal_as_keys_keep_their_own_text() -> None:
    # The generated code looks a record's text up itself (`TextKit.texts`) by its fields
    # and the type of its hours: 1 and 1.0 are equal keys but written apart, and a
    # record of another kind (no provider, no level) is never put in. Each worker's text
    # is its own whichever came first.
    durham = next(p for p in POLICIES if p.id == "durham")
    as_of = datetime.date(2026, 11, 22)
    usual = {"delivery": "single-agency", "provider": "in-house", "level": "level 1"}
    kinds: list[dict[str, Any]] = [{**usual, "hours": 1}, {**usual, "hours": 1.0},
                                   {**usual, "hours": 1}, {"hours": 1}, {**usual, "hours": 2.0},
                                   {"delivery": "single-agency", "provider": "in-house"},
                                   {**usual, "hours": 2}, {**usual, "hours": 1.0}]
    for explain in (True, False):
        kit = JsonLines(as_of, explain=explain).kit(durham.model)
        for n, kind in enumerate(kinds):
            worker = durham.worker({
                "id": f"W{n}", "started": "2020-01-31", "contact": "regular",
                "training": [{"training": "safeguarding-induction",
                              "completed": "2020-02-29", **kind}]})
            assert durham.evaluate_text(worker, as_of, kit) == _expected(
                durham, worker, as_of, explain)
            record = worker.training[0]
            found = kit.texts((record.training, record.delivery, record.hours,
                               record.provider, record.level, type(record.hours)))
            assert found == _around(record)
            assert (found is None) == ("level" not in kind or type(kind["hours"]) is float)


@pytest.mark.parametrize("limit", [2, 1 << 14])
def test_the_groups_text_is_kept_by_the_groups_held(monkeypatch: pytest.MonkeyPatch,
                                                   limit: int) -> None:
    # The generated code finds a worker's groups as a number, bit i for the model's
    # group i, and the kit keeps each number's text (`TextKit.groups`, cleared when
    # full): workers of every contact and one or two roles in a row through one kit,
    # in an order that revisits each set of groups, each with its own groups' text.
    monkeypatch.setattr(contract_json, "_CACHE_LIMIT", limit)
    durham = next(p for p in POLICIES if p.id == "durham")
    as_of = datetime.date(2026, 11, 22)
    roles = sorted(durham.model.role_names)
    kit = JsonLines(as_of).kit(durham.model)
    seen = set()
    for n in range(3 * len(roles)):
        held = sorted({roles[n % len(roles)], roles[(n * 7) % len(roles)]})
        for contact in ("none", "occasional", "regular", "predominant"):
            worker = durham.worker({"id": f"W{n}", "started": "2020-01-31",
                                    "contact": contact, "roles": held})
            text, compliant = durham.evaluate_text(worker, as_of, kit)
            assert (text, compliant) == _expected(durham, worker, as_of, True)
            seen.add(tuple(json.loads(text)["groups"]))
    assert len(seen) > 4 and len(kit.groups) <= max(limit, len(seen))


def test_only_text_outside_ascii_goes_through_the_line() -> None:
    # `DecisionJson._close` passes a decision's text to the kit's `line` only when it is
    # not all ASCII: JSON Lines' escapes still apply to every text that needs them.
    durham = next(p for p in POLICIES if p.id == "durham")
    as_of = datetime.date(2026, 11, 22)
    kit = JsonLines(as_of).kit(durham.model)
    seen: list[str] = []
    kit.line = lambda text: seen.append(text) or text.replace("\u2028", "\u2028")
    for wid in ("W1", "W\u00e9", "W\u2028"):
        worker = durham.worker({"id": json.loads(f'"{wid}"'), "started": "2020-01-31",
                                "contact": "regular"})
        text, _ = durham.evaluate_text(worker, as_of, kit)
        assert json.loads(text)["worker"] == json.loads(f'"{wid}"')
    assert [json.loads(t)["worker"] for t in seen] == ["W\u00e9", "W\u2028"]
    fmt = JsonLines(as_of)
    worker = durham.worker({"id": "W\u2028\u0085\u2029", "started": "2020-01-31",
                            "contact": "regular"})
    text, _ = durham.evaluate_text(worker, as_of, fmt.kit(durham.model))
    assert text == fmt.decision(1, worker, durham.evaluate_checked(worker, as_of))
    assert "\\u2028\\u0085\\u2029" in text and text.isascii()


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


# Findings of every shape but the usual met one are worded from templates: explain.py's
# own words for a stand-in finding of the same shape (`explain.Shape`, `stand_in`), the
# finding's id and days put in place (render/contract_json.py `template`, `_form`). The
# workers here have records of the policy's own courses dated around the day (some after
# it, some lapsed, some of another delivery or provider), roles taken on days of their
# own, and ids JSON must escape or that hold braces and markers; the policies add a
# provider rule and words with braces to the fixtures and shipped ones.
_FRAMEWORK = (FIXTURES / "framework.policy").read_text(encoding="utf-8")
NEAR_POLICIES = [*POLICIES, policyrules.loads(
    _FRAMEWORK.replace("  delivered inter-agency\n",
                       '  provided by "County safeguarding partnership"\n')
    .replace('explain "Induction within', 'explain "Induction {0} {x} }{ within'),
    "provider.policy")]
_IDS = ["W1", "W2", 'W"\\q', "W{0}}{", "W\x00i\x01d", "Wé"]


def near_worker(rng: random.Random, policy: policyrules.Policy,
                as_of: datetime.date) -> dict[str, object]:
    """A worker record with records and roles dated around `as_of`."""
    model = policy.model
    courses = sorted({t for r in model.requirements for t in r.satisfied_by}
                     | {t.id for t in model.trainings})
    roles = sorted(model.role_names)

    def day(lo: int, hi: int) -> str:
        return str(as_of + datetime.timedelta(days=rng.randint(lo, hi)))

    training: list[dict[str, object]] = []
    for _ in range(rng.randint(0, 5)):
        record: dict[str, object] = {"training": rng.choice(courses),
                                     "completed": day(-1500, 400)}
        if rng.random() < 0.5:
            record["delivery"] = rng.choice(["single-agency", "inter-agency"])
        if rng.random() < 0.5:
            record["provider"] = rng.choice(["County safeguarding partnership", "Acme"])
        if rng.random() < 0.3:
            record["hours"] = rng.choice([1, 2.5, 8])
        training.append(record)
    if training and rng.random() < 0.3:
        # Another course on the day of one record: the latest records of a rule are then
        # several, whose first is the canonical one whatever their order.
        training.insert(rng.randint(0, len(training)), {
            "training": rng.choice(courses), "completed": rng.choice(training)["completed"]})
    return {"id": rng.choice(_IDS), "started": day(-2500, 60),
            "contact": rng.choice(["none", "occasional", "regular", "predominant"]),
            "roles": [{"role": r, "since": day(-1500, 30)} if rng.random() < 0.7 else r
                      for r in rng.sample(roles, rng.randint(0, min(2, len(roles))))],
            "volunteer": rng.random() < 0.2, "training": training}


def _templated(policy: policyrules.Policy, worker: Worker, as_of: datetime.date) -> set[str]:
    """Checks each finding's template against its words, and names the kinds of template
    its findings took."""
    try:
        decision = policy.evaluate_checked(worker, as_of)
    except WorkerError:
        return set()
    kinds = set()
    for f in decision.findings:
        found = shape(f.rule, f.status, f.due, f.evidence, worker, as_of, f.records,
                      any_later(worker, as_of))
        records = f.records
        if found is None:
            # Only words that read a list of records, or an hours target, have no shape.
            assert (f.rule.hours is not None or len(records.later) > 1
                    or (f.status != "met" and len(records.excluded) > 1))
            continue
        s, days = found
        made = template(f.rule, as_of, s)
        assert made is not None  # no policy's words hold a marker
        assert _form(made).format(_inside(worker.id), *days) == json.dumps(
            f.explanation, ensure_ascii=False)
        kinds |= _kinds(Shape._make(s))
    return kinds


def _kinds(s: Shape) -> set[str]:
    return {kind for kind, holds in (
        ("start", s.start), ("since", s.since), ("first", s.d_train is not None),
        ("later", s.a_train is not None), ("lapsed", s.status != "met" and s.l_train),
        ("left out", s.x_train is not None), ("met after", s.later),
        ("undated", not s.dated)) if holds}


@settings(max_examples=300)
@given(st.data(), st.randoms(use_true_random=False))
def test_templated_words_are_the_words_of_the_finding(data: st.DataObject,
                                                       rng: random.Random) -> None:
    policy = data.draw(st.sampled_from(NEAR_POLICIES))
    fmt = JsonLines(datetime.date(2026, 11, 22))
    for _ in range(data.draw(st.integers(1, 4))):
        as_of = data.draw(as_of_dates())
        worker = policy.worker(near_worker(rng, policy, as_of))
        _templated(policy, worker, as_of)
        _same(policy, fmt, worker, as_of)
        _found_as_decided(policy, fmt, worker, as_of)


def _found_as_decided(policy: policyrules.Policy, fmt: JsonLines, worker: Worker,
                      as_of: datetime.date) -> None:
    """The findings the generated writer gives the kit's `found` have the shapes and days
    of the decision's findings (`_same_facts`): those of rules whose records are the
    latest of each course, but the usual ones, which it writes itself."""
    try:
        decision = policy.evaluate_checked(worker, as_of)
    except WorkerError:
        return
    kit = fmt.kit(policy.model)
    own = kit.found
    given = _found(kit)
    try:
        policy.evaluate_text(worker, as_of, kit)
    finally:
        kit.found = own  # the kit is kept per model
    rules = {f.requirement: f for f in decision.findings}
    _same_facts(given, [rules[args[1].id] for args in given])
    assert not any(_cut(rules[args[1].id], fmt.explain) for args in given)


def test_every_kind_of_template_is_made_and_checked() -> None:
    # The same workers as above, from a fixed seed: every kind of template the writer
    # makes is among them (so the property above exercises each), and each is right.
    rng = random.Random(13)
    kinds: set[str] = set()
    written: set[str] = set()  # the kinds of the templates the writer kept
    for policy in NEAR_POLICIES:
        for as_of in (datetime.date(2026, 11, 22), datetime.date(2028, 2, 29)):
            fmt = JsonLines(as_of)
            for _ in range(150):
                worker = policy.worker(near_worker(rng, policy, as_of))
                kinds |= _templated(policy, worker, as_of)
                _same(policy, fmt, worker, as_of)
            for kept in fmt._encode._rules.values():
                for s, form in kept.shapes.items():
                    if form:
                        written |= _kinds(Shape._make(s))
    assert kinds == written == {"start", "since", "first", "later", "lapsed", "left out",
                                "met after", "undated"}
