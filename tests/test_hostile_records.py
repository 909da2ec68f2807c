"""One record never kills a batch: hostile worker records through `policyrules evaluate`
(CONTRACT §1.5, §9). Every input record gives exactly one output record, and every output
line is strict JSON that UTF-8 can hold."""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

import policyrules
from conftest import write
from policyrules import batch
from policyrules.cli import cli
from policyrules.records import WorkerInput

SMALL = str(Path(__file__).parent / "fixtures" / "cli" / "small.policy")
AS_OF = datetime.date(2026, 11, 22)
GOOD = '{"id": "W1", "started": "2024-01-10", "contact": "regular"}'


def strict(line: str) -> dict[str, object]:
    def refuse(name: str) -> object:
        raise AssertionError(f"{name} in {line!r} is not strict JSON")

    record = json.loads(line, parse_constant=refuse)
    assert isinstance(record, dict)
    return record


def run_batch(path: str, fmt: str = "jsonl") -> tuple[batch.Counts, str]:
    policy = policyrules.load(SMALL)
    out = io.BytesIO()
    with WorkerInput(path) as source:
        counts = batch.run(policy, source, AS_OF, fmt, jobs=1, stdout=out,  # type: ignore[arg-type]
                           console=Console(file=io.StringIO()), progress=lambda n: None)
    return counts, out.getvalue().decode("utf-8")  # strict: every byte is UTF-8


@pytest.mark.parametrize(("bad", "field"), [
    ('{"id": "B", "started": "9999-12-31", "contact": "regular"}', "started"),
    ('{"id": "B\\ud800", "started": "2024-01-10", "contact": "regular"}', "id"),
    ('{"id": "B", "started": "2024-01-10", "contact": "regular\\udfff"}', "contact"),
    ('{"id": "B", "started": "2024-01-10", "contact": "regular", "roles": ["\\ud800"]}',
     "roles[0]"),
    ('{"id": "B", "started": "2024-01-10", "contact": "regular", "training": '
     '[{"training": "\\ud800", "completed": "2024-01-11"}]}', "training[0].training"),
    ('{"id": "B", "started": "2024-01-10", "contact": NaN}', "contact"),
    ('{"id": "B", "started": -Infinity, "contact": "regular"}', "started"),
    ('{"id": "B", "started": "2024-01-10", "contact": "regular", "roles": {}}', "roles"),
    ('{"id": "B", "started": "2024-01-10", "contact": "regular", "training": false}',
     "training"),
])
@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_a_hostile_record_is_one_error_record(tmp_path: Path, bad: str, field: str,
                                              fmt: str) -> None:
    path = write(tmp_path, "w.jsonl", "\n".join([GOOD, bad, GOOD.replace("W1", "W3")]) + "\n")
    counts, text = run_batch(path, fmt)
    assert counts.as_tuple() == (0, 2, 1)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["error_field"] for r in rows if r["line"] == "2"] == [field]
        assert {r["line"] for r in rows} == {"1", "2", "3"}
        return
    out = ([strict(line) for line in text.splitlines()] if fmt == "jsonl"
           else [strict(json.dumps(r)) for r in json.loads(text)])
    assert [r["worker"] for r in out][::2] == ["W1", "W3"]
    assert out[1]["error"]["field"] == field  # type: ignore[index]
    assert out[1]["line"] == 2


def test_explain_a_worker_whose_deadline_is_after_9999(tmp_path: Path) -> None:
    path = write(tmp_path, "w.jsonl",
                 '{"id": "B", "started": "9999-12-31", "contact": "regular"}\n')
    result = CliRunner().invoke(cli, ["explain", SMALL, path, "--worker", "B", "--as-of",
                                      "9999-12-31"])
    assert result.exit_code == 1
    assert "field 'started'" in result.output and "after 9999-12-31" in result.output


# Fuzzing: any JSON value as a worker record -------------------------------------------------------

_HOSTILE_TEXT = st.sampled_from(["W1", "\ud800", "W\udfff", "", " ", "=1+1", "\x1b[31m", "é",
                                 "regular", "trainer", "induction-course"]) | st.text(max_size=6)
_DATES = (st.sampled_from(["2024-01-10", "9999-12-31", "9999-06-30", "0001-01-01",
                           "2024-02-30", "2024-01-10T09:00", "", "10/01/2024"])
          | st.dates().map(datetime.date.isoformat))
_SCALARS = (st.none() | st.booleans() | st.integers(-3, 10**30) | st.floats() | _HOSTILE_TEXT
            | st.sampled_from([1e308 * 10, -1e308 * 10, float("nan")]))
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(_HOSTILE_TEXT, inner, max_size=3), max_leaves=8)
_TRAINING = st.fixed_dictionaries({}, optional={
    "training": st.sampled_from(["induction-course", "inter-agency-course", "other"]) | _JSON,
    "completed": _DATES | _JSON,
    "delivery": st.sampled_from(["single-agency", "inter-agency", "online"]) | _JSON,
    "hours": st.floats() | st.integers(-2, 10) | _JSON,
    "provider": _HOSTILE_TEXT | _JSON,
})
_ROLE = (st.sampled_from(["supervisor", "trainer", "supervisr"])
         | st.fixed_dictionaries({"role": st.sampled_from(["supervisor"]) | _JSON,
                                  "since": _DATES | _JSON}))
_RECORD = st.fixed_dictionaries({}, optional={
    "id": _HOSTILE_TEXT | _JSON,
    "started": _DATES | _JSON,
    "contact": st.sampled_from(["none", "occasional", "regular", "predominant"]) | _JSON,
    "roles": st.lists(_ROLE, max_size=3) | _JSON,
    "training": st.lists(_TRAINING, max_size=3) | _JSON,
    "volunteer": st.booleans() | _JSON,
    "sector": st.sampled_from(["statutory", "private"]) | _JSON,
    "agency": _HOSTILE_TEXT | _JSON,
    "team": _JSON,
})
_AS_OF = st.sampled_from([AS_OF, datetime.date(9999, 12, 31), datetime.date(1, 1, 1)])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(_RECORD | _JSON, min_size=1, max_size=6), _AS_OF)
def test_any_records_give_one_strict_json_line_each(tmp_path: Path, values: list[object],
                                                    as_of: datetime.date) -> None:
    policy = policyrules.load(SMALL)
    texts = [json.dumps(v) for v in values]  # NaN as a bare token, surrogates as \\ud800
    for value in values:
        with contextlib.suppress(policyrules.WorkerError):  # and nothing else
            policy.evaluate(value, as_of=as_of)  # type: ignore[arg-type]
    for name, text, first in (("w.jsonl", "\n".join(texts) + "\n", 1),
                              ("w.json", "[\n" + ",\n".join(texts) + "\n]", 2)):
        out = io.BytesIO()
        with WorkerInput(write(tmp_path, name, text)) as source:
            counts = batch.run(policy, source, as_of, "jsonl", jobs=1, stdout=out,
                               console=Console(file=io.StringIO()), progress=lambda n: None)
        lines = out.getvalue().decode("utf-8").splitlines()
        assert len(lines) == len(values) == counts.total
        records = [strict(line) for line in lines]
        assert [r.get("line") for r in records if "error" in r] == [
            n for n, r in enumerate(records, first) if "error" in r]
        assert counts.rejected == sum("error" in r for r in records)
