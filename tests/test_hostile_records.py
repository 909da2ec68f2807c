"""One record never kills a batch: hostile worker records through `policyrules evaluate`
(CONTRACT §1.5, §9). Every input record gives exactly one output record, and every output
line is strict JSON that UTF-8 can hold."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
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
        counts = batch.run(policy, SMALL, source, AS_OF, fmt, jobs=1, stdout=out,
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
