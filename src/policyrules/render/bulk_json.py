"""A whole batch of decisions as the text of `--format jsonl` or `json`, from the columnar
engine's tables at once (issue #13), with no Python object per worker or finding.

`texts` takes one decided batch — `evaluate_frame(..., facts=True)`'s result, the workers
and training tables it was given — and gives each worker row the text the row path writes
for it (`render/formats.py`: `DecisionJson` for JSON Lines, `json.dumps(indent=2)` for the
array), built with Polars string expressions:

* every string from the input goes through `json.encoder.encode_basestring` (what
  `DecisionJson` and `json.dumps` escape with), applied in Python only to the distinct
  values that need an escape;
* each training record's evidence object is made once (a column), and joined to the
  findings it is evidence of;
* an explanation depends on the worker only through its id and a few facts (the rule,
  status, due day, the latest and first evidence record, anchor, deadline, hours…):
  render/bulk_explain.py words each distinct set of them once, with `explain.finding`
  itself, and puts each worker's escaped id and days in place.

A row is given to `row_path` instead (the caller renders it as the row path does) when
it is rejected, when the engine left it to the row path (its findings have no facts), or
when a finding has a shape whose words depend on lists of records (records dated after
`as_of`, records a delivery or provider rule leaves out of an unmet finding, several
records reaching an hours target): correct either way, only slower for those rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring as _js
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl

from ..engines.columnar import FrameResult, inputs
from ..records.csv import hours_cell
from ..semantics import model as m
from ..semantics.dates import iso
from .bulk_explain import explained

if TYPE_CHECKING:
    from ..policy import Policy

# The caller's row path: the texts of these rows of the workers table, in order.
RowPath = Callable[[npt.NDArray[np.int64]], Sequence[str]]

FORMATS = ("jsonl", "json")

_NEEDS_ESCAPE = r'[\x00-\x1f"\\]'
_FEW = 4096  # distinct values few enough to encode each in Python


class _Layout:
    """Where `json.dumps` puts white space: `jsonl` as `DecisionJson` writes it (one
    line), `json` as `JsonArray` does (indent 2, each line indented 2 more)."""

    def __init__(self, fmt: str) -> None:
        self.indented = fmt == "json"
        self.start = "  " if self.indented else ""
        self.end = "" if self.indented else "\n"

    def pad(self, depth: int) -> str:
        return "\n" + "  " * (depth + 1) if self.indented else ""

    def sep(self, depth: int) -> str:
        return "," + self.pad(depth) if self.indented else ", "

    def obj(self, members: Sequence[str], depth: int) -> str:
        return "{" + self.pad(depth + 1) + self.sep(depth + 1).join(members) + \
            self.pad(depth) + "}"

    def lst(self, items: Sequence[str], depth: int) -> str:
        if not items:
            return "[]"
        return "[" + self.pad(depth + 1) + self.sep(depth + 1).join(items) + \
            self.pad(depth) + "]"


def js(values: pl.Series) -> pl.Series:
    """Each text as a JSON string, exactly as `encode_basestring` writes it (null stays
    null): only the distinct values that need an escape go through it."""
    values = values.cast(pl.String)
    distinct = values.unique()
    if distinct.len() <= _FEW:  # course names, deliveries, providers: each once
        return values.replace_strict({v: _js(v) for v in distinct.drop_nulls().to_list()},
                                     default=None, return_dtype=pl.String)
    needs = values.str.contains(_NEEDS_ESCAPE).fill_null(False)
    special = values.filter(needs).unique().to_list()
    quoted = pl.concat_str([pl.lit('"'), pl.col("v"), pl.lit('"')])
    if not special:
        return pl.DataFrame({"v": values}).select(quoted).to_series()
    escaped = {v: _js(v) for v in special}
    return pl.DataFrame({"v": values, "n": needs}).select(
        pl.when(pl.col("n")).then(pl.col("v").replace_strict(
            escaped, default=None, return_dtype=pl.String)).otherwise(quoted)).to_series()


def texts(policy: Policy, as_of: datetime.date, result: FrameResult, workers: pl.DataFrame,
          training: pl.DataFrame | None, *, fmt: str = "jsonl", explain: bool = True,
          row_path: RowPath) -> pl.Series:
    """The text of each row of `workers` in the format `fmt` (`jsonl`: ending in a line
    break; `json`: an element of the array, without its separator), as `render.formats`
    writes it; `explain=False` as `--no-explain`.

    `result` is `policy.evaluate_frame(workers, training, as_of=as_of, facts=True)`; the
    ids of the rows it decided must be distinct (a caller with repeated ids decides them
    in separate frames, as batch/parquet.py does). `row_path` renders the rows this
    cannot (above)."""
    if fmt not in FORMATS:
        raise ValueError(f"bulk JSON writes {', '.join(FORMATS)}, not {fmt!r}")
    assert result.facts is not None, "evaluate_frame(..., facts=True) gives the facts"
    layout = _Layout(fmt)
    model: m.PolicyModel = policy.model
    rules = list(model.requirements)
    index = {r.id: i for i, r in enumerate(rules)}
    decisions = pl.DataFrame(result.decisions).with_row_index("_row")
    n = decisions.height
    good = decisions.filter(pl.col("error").is_null())
    if good["worker"].is_duplicated().any():
        raise ValueError("the decided rows of one batch must have distinct ids")
    ids = good.select("_row", "worker")

    findings = pl.concat([pl.DataFrame(result.findings), pl.DataFrame(result.facts)],
                         how="horizontal").with_row_index("_f").with_columns(
        _i=pl.col("requirement").replace_strict(index, return_dtype=pl.Int64))
    findings = findings.join(ids, on="worker", how="left", maintain_order="left")
    records = _records(training, ids, rules)
    # Rows of a finding the columns did not decide (no facts), or whose words read lists
    # of records: the row path's.
    later_any = records.filter(pl.col("_day") > as_of).select(pl.col("_row").unique())
    lists = findings.filter(
        pl.col("anchor").is_null() | (pl.col("later").list.len() > 1)
        | ((pl.col("status") != "met") & (pl.col("excluded").list.len() > 1))
        | (pl.col("_i").is_in([i for i, r in enumerate(rules) if r.hours is not None])
           & (pl.col("evidence").list.len() > 1)))
    aside = set(lists["_row"].to_list())
    aside.update(decisions.filter(pl.col("error").is_not_null())["_row"].to_list())

    findings = findings.select(
        "_f", "_row", "_i", "worker", "status", "due", "anchor", "role_since", "deadline",
        "deadline_record", "latest", "evidence", "hours",
        # The one record dated after as_of, and the one a delivery or provider rule left
        # out of an unmet finding, that the words name (more take the row path, above).
        _later=pl.col("later").list.first(),
        _excluded=pl.when(pl.col("status") != "met").then(pl.col("excluded").list.first()),
    ).join(
        later_any.with_columns(_later_any=pl.lit(True)), on="_row", how="left",
        maintain_order="left")
    findings = _evidence(findings, records, rules, layout)
    if explain:
        findings, unsure = explained(findings, records, rules, as_of,
                                     js(findings["worker"]))
        aside.update(unsure)
    else:
        findings = findings.with_columns(_text=pl.lit(None, pl.String))
    objects = _finding_texts(findings, rules, layout, explain)
    del findings  # its columns are in the texts now: freed before the rows' are made
    # Gathered into lists, then joined: quicker than `str.join` within the aggregation.
    per_row = objects.group_by("_row", maintain_order=True).agg(pl.col("_t")).select(
        "_row", _findings=pl.col("_t").list.join(layout.sep(2)))

    groups = _lists(decisions["groups"], layout, 1)
    unknown = _unrecognised(records, model, as_of, layout)
    fingerprint = model.fingerprint
    s1 = layout.sep(1)
    head = (layout.start + "{" + layout.pad(1) + '"worker": ')
    middle = (f'{s1}"policy": {_js(model.id)}{s1}"fingerprint": '
              f'{"null" if fingerprint is None else _js(fingerprint)}{s1}'
              f'"as_of": "{iso(as_of)}"{s1}"compliant": ')
    findings_open = "[" + layout.pad(2)
    findings_close = layout.pad(1) + "]"
    table = decisions.select("_row", "compliant").with_columns(
        _id=js(decisions["worker"]), _groups=groups).join(
        per_row, on="_row", how="left", maintain_order="left").join(
        unknown, on="_row", how="left", maintain_order="left")
    text = table.select(pl.concat_str([
        pl.lit(head), pl.col("_id"), pl.lit(middle),
        pl.when(pl.col("compliant")).then(pl.lit("true")).otherwise(pl.lit("false")),
        pl.lit(f'{s1}"groups": '), pl.col("_groups"), pl.lit(f'{s1}"findings": '),
        pl.when(pl.col("_findings").is_null()).then(pl.lit("[]")).otherwise(
            pl.concat_str([pl.lit(findings_open), pl.col("_findings"),
                           pl.lit(findings_close)])),
        pl.lit(f'{s1}"unrecognised_training": '), pl.col("_unknown").fill_null("[]"),
        pl.lit(layout.pad(0) + "}" + layout.end)])).to_series().alias("text")
    # As render.safe.one_line: one record a line, always. One scan finds whether any
    # text holds such a break (text from the input, or the policy's words).
    if not layout.indented and text.str.contains("[\x85\u2028\u2029]").any():
        for char in ("\x85", "\u2028", "\u2029"):
            text = text.str.replace_all(char, f"\\u{ord(char):04x}", literal=True)
    if aside:
        rows = np.array(sorted(aside), np.int64)
        given = list(row_path(rows))
        if len(given) != len(rows):
            raise ValueError("the row path gave a text for each row asked")
        text = text.scatter(rows, pl.Series(given, dtype=pl.String))
    assert text.len() == n
    return text


def _records(training: pl.DataFrame | None, ids: pl.DataFrame,
             rules: list[m.Requirement]) -> pl.DataFrame:
    """The training records of the decided rows (`_rec`: the record's position in the
    table, which the facts name), with their day and each one's evidence object(s)."""
    if training is None or training.height == 0:
        return pl.DataFrame(schema={"_rec": pl.Int64, "_row": pl.UInt32,
                                    "training": pl.String, "_day": pl.Date,
                                    "_number": pl.Float64})
    completed, _ = inputs.date_value(training, "completed")
    delivery = inputs.text_value(training, "delivery")
    frame = training.with_row_index("_rec").select(
        pl.col("_rec").cast(pl.Int64), pl.col("worker").cast(pl.String), "training",
        _day=completed,
        delivery=pl.when(delivery.is_null() | (delivery == "")).then(
            pl.lit("single-agency")).otherwise(delivery),
        provider=inputs.text_value(training, "provider"),
        level=inputs.text_value(training, "level"),
        _hours=_hours_json(training), _number=inputs.hours_number(training)).join(
        ids, left_on="worker", right_on="worker", how="inner", maintain_order="left")
    return frame


def _hours_json(training: pl.DataFrame) -> pl.Series:
    """Each record's own hours as the row path writes them (`repr` of the number it
    reads: a text cell as `records.hours_cell` reads it, keeping an int an int), or null."""
    if "hours" not in training.columns:
        return pl.Series([None] * training.height, dtype=pl.String)
    column = training["hours"]
    if column.dtype.is_float():
        # By bit pattern, not by value: -0.0 and 0.0 are equal keys, but not the same text.
        values = column.cast(pl.Float64).fill_null(float("nan")).to_numpy()
        bits, where = np.unique(values.view(np.uint64), return_inverse=True)
        texts = [None if v != v else repr(float(v)) for v in bits.view(np.float64)]
        floats = pl.Series(texts, dtype=pl.String).gather(where.astype(np.int64))
        if training.schema.get("hours_integer") != pl.Boolean:
            return floats
        # A JSON Lines table (records/jsonl_table.py) says which hours were written as
        # integers (`3`, not `3.0`), as the row path reads them.
        whole = training.select(pl.when(pl.col("hours_integer")).then(
            pl.col("hours").cast(pl.Int64, strict=False).cast(pl.String))).to_series()
        return whole.fill_null(floats)
    distinct = column.drop_nulls().unique().to_list()
    shown: dict[Any, str | None] = {}
    for value in distinct:
        number = hours_cell(value) if isinstance(value, str) else value
        if isinstance(number, float) and number != number:  # NaN: a missing value
            shown[value] = None
        else:
            shown[value] = repr(number)
    if not shown:
        return pl.Series([None] * training.height, dtype=pl.String)
    return column.replace_strict(shown, default=None, return_dtype=pl.String)


def _evidence(findings: pl.DataFrame, records: pl.DataFrame, rules: list[m.Requirement],
              layout: _Layout) -> pl.DataFrame:
    """`_ev`: each finding's evidence list as text (depth 3 of the decision)."""
    if records.height == 0 or "delivery" not in records.columns:
        return findings.with_columns(_ev=pl.lit("[]"))
    s = layout.sep(5)
    record = records.select(
        "_rec", "training", "_hours",
        _head=pl.concat_str([pl.lit("{" + layout.pad(5) + '"training": '),
                             pl.lit(js(records["training"])), pl.lit(s + '"completed": "'),
                             pl.col("_day").dt.to_string("%Y-%m-%d"),
                             pl.lit('"' + s + '"delivery": '),
                             pl.lit(js(records["delivery"]))]),
        _tail=pl.concat_str([
            pl.concat_str([pl.lit(s + '"provider": '), pl.lit(js(records["provider"]))]),
            pl.concat_str([pl.lit(s + '"level": '), pl.lit(js(records["level"]))]),
            pl.lit(layout.pad(4) + "}")], ignore_nulls=True))
    used = findings.select("_f", "_i", pl.col("evidence")).explode("evidence") \
        .drop_nulls("evidence").join(record, left_on="evidence", right_on="_rec",
                                     how="left", maintain_order="left")
    # An hours target shows the hours that counted: the record's own, else its course's
    # (`Hours.of`, asked once per course of each such rule).
    courses = used.select(pl.col("training").unique()).to_series().to_list()
    defaults = pl.DataFrame(
        [(i, t, repr(target.of(t, None))) for i, r in enumerate(rules)
         if (target := r.hours) is not None for t in courses],
        schema={"_i": pl.Int64, "training": pl.String, "_default": pl.String},
        orient="row")
    used = used.join(defaults, on=["_i", "training"], how="left", maintain_order="left")
    hours = pl.coalesce(pl.col("_hours"), pl.col("_default"))
    item = used.select("_f", _e=pl.concat_str([
        pl.col("_head"),
        pl.concat_str([pl.lit(layout.sep(5) + '"hours": '), hours]),
        pl.col("_tail")], ignore_nulls=True))
    listed = item.group_by("_f", maintain_order=True).agg(pl.col("_e")).select(
        "_f", _e=pl.col("_e").list.join(layout.sep(4)))
    return findings.join(listed, on="_f", how="left", maintain_order="left").with_columns(
        _ev=pl.when(pl.col("_e").is_null()).then(pl.lit("[]")).otherwise(
            pl.concat_str([pl.lit("[" + layout.pad(4)), pl.col("_e"),
                           pl.lit(layout.pad(3) + "]")]))).drop("_e")


def _finding_texts(findings: pl.DataFrame, rules: list[m.Requirement], layout: _Layout,
                   explain: bool) -> pl.DataFrame:
    """`_t`: each finding's object (depth 2), in the findings' order."""
    s = layout.sep(3)
    pre, mid, post = [], [], []
    for rule in rules:
        pre.append("{" + layout.pad(3) + f'"requirement": {_js(rule.id)}'
                   f'{s}"title": {_js(rule.title)}{s}"status": "')
        mid.append(f'{s}"satisfied_by": '
                   f'{layout.lst([_js(t) for t in rule.satisfied_by], 3)}{s}"evidence": ')
        post.append(f'{s}"cites": {layout.lst([_js(c) for c in rule.cites], 3)}'
                    + (f'{s}"explanation": ' if explain else ""))
    i = pl.col("_i")
    return findings.select("_row", _t=pl.concat_str([
        i.replace_strict(dict(enumerate(pre)), return_dtype=pl.String),
        pl.col("status"),
        pl.when(pl.col("status") == "overdue").then(pl.lit(f'"{s}"compliant": false{s}"due": '))
        .otherwise(pl.lit(f'"{s}"compliant": true{s}"due": ')),
        pl.when(pl.col("due").is_null()).then(pl.lit("null")).otherwise(
            pl.concat_str([pl.lit('"'), pl.col("due").dt.to_string("%Y-%m-%d"), pl.lit('"')])),
        i.replace_strict(dict(enumerate(mid)), return_dtype=pl.String),
        pl.col("_ev"),
        i.replace_strict(dict(enumerate(post)), return_dtype=pl.String),
        pl.col("_text").fill_null(""),
        pl.lit(layout.pad(2) + "}")]))


def _lists(values: pl.Series, layout: _Layout, depth: int) -> pl.Series:
    """Lists of names (groups) as JSON text; each distinct list encoded once."""
    keys = values.list.join("\x00")
    made: dict[str, str] = {}
    for names in values.drop_nulls().unique().to_list():
        made["\x00".join(names)] = layout.lst([_js(v) for v in names], depth)
    return keys.replace_strict(made, default="[]", return_dtype=pl.String)


def _unrecognised(records: pl.DataFrame, model: m.PolicyModel, as_of: datetime.date,
                  layout: _Layout) -> pl.DataFrame:
    """`_unknown` per row: the courses of its records by as_of the catalogue lacks."""
    known = [t.id for t in model.trainings]
    unknown = records.filter(~pl.col("training").is_in(known) & (pl.col("_day") <= as_of))
    if unknown.height == 0:
        return pl.DataFrame(schema={"_row": pl.UInt32, "_unknown": pl.String})
    lists = unknown.group_by("_row").agg(pl.col("training").unique().sort())
    return lists.select("_row", _unknown=_lists(lists["training"], layout, 1))
