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
  `_KEY` names exactly those the sentences of `contract/explain.py` read for each shape of
  finding, each distinct key is explained once by `explain.finding` itself on a stand-in
  worker whose id is a placeholder, and the worker's escaped id replaces the placeholder.

A row is given to `row_path` instead (the caller renders it as the row path does) when
it is rejected, when the engine left it to the row path (its findings have no facts), or
when a finding has a shape whose words depend on lists of records (records dated after
`as_of`, records a delivery or provider rule leaves out of an unmet finding, several
records reaching an hours target): correct either way, only slower for those rows.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring as _js
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl

from ..contract.decision import Finding
from ..contract.explain import finding as finding_text
from ..contract.workers import TrainingRecord, Worker
from ..engines.columnar import FrameResult, inputs
from ..records.csv import hours_cell
from ..semantics import model as m
from ..semantics.dates import iso
from ..semantics.facts import Facts

if TYPE_CHECKING:
    from ..policy import Policy

# The caller's row path: the texts of these rows of the workers table, in order.
RowPath = Callable[[npt.NDArray[np.int64]], Sequence[str]]

FORMATS = ("jsonl", "json")

# What an explanation's markers start with (for the worker's id and days), and a second
# lead to check that the policy's own words hold neither (else the row path words it).
_PLACEHOLDER, _CHECK = "\x00", "\x01"
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
        findings, unsure = _explained(findings, records, rules, as_of)
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


# What an explanation reads of a finding, as columns: the key (`_KEY`, with nulls where
# a shape of finding does not read a part, so that findings with the same words share
# one), and the days it prints, each a slot of the key's template.
_KEY = ("_i", "status", "_k_dated", "_kl_train", "_ke_train", "_ke_hours", "_k_has_ev",
        "_k_later", "_k_start", "_k_since", "_kd_train", "_k_hours", "_k_off_deadline",
        "_a_train", "_x_train", "_x_delivery", "_x_provider")
_SLOTS = ("due", "_l_day", "_e_day", "anchor", "_a_day")


class _Slot(datetime.date):
    """A day that prints (`isoformat`, which `semantics.dates.iso` calls) as a marker:
    a template's place for the finding's own day. Equal only to a slot with its marker,
    never to a real day: explain.py caches words by day, and the sentences compare days
    only where the key says how (`due` with the deadline record's day)."""

    marker: str

    def __new__(cls, marker: str) -> _Slot:
        day = super().__new__(cls, 2000, 1, 1)
        day.marker = marker
        return day

    def isoformat(self) -> str:
        return self.marker

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Slot) and other.marker == self.marker

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(("slot", self.marker))


def _marks(lead: str) -> tuple[str, tuple[str, ...]]:
    """The id's marker and each slot's, starting with `lead` (a control character, so
    that the policy's words cannot hold it unescaped)."""
    return lead + "i", tuple(lead + name for name in ("d", "l", "e", "a", "t"))


_ID, _DAYS = _marks(_PLACEHOLDER)
_CHECK_ID, _CHECK_DAYS = _marks(_CHECK)
# The markers as a template holds them (JSON-escaped), and the value each stands for.
_MARKED = {_js(mark)[1:-1]: k for k, mark in enumerate((_ID, *_DAYS))}
_MARKERS = re.compile("(" + "|".join(map(re.escape, _MARKED)) + ")")


def _explained(findings: pl.DataFrame, records: pl.DataFrame, rules: list[m.Requirement],
               as_of: datetime.date) -> tuple[pl.DataFrame, set[int]]:
    """`_text`: each finding's explanation as JSON text, its worker's id and days in
    place; and the rows whose words could not be made from a template (the policy's own
    words hold a marker)."""
    hours_rules = [i for i, r in enumerate(rules) if r.hours is not None]
    day = records.select("_rec", "training", "_day")
    f = findings.with_columns(_e0=pl.col("evidence").list.first())
    f = f.join(day.rename({"_rec": "latest", "training": "_l_train", "_day": "_l_day"}),
               on="latest", how="left", maintain_order="left")
    f = f.join(records.select("_rec", "training", "_day", "_number").rename(
        {"_rec": "_e0", "training": "_e_train", "_day": "_e_day", "_number": "_e_hours"}),
               on="_e0", how="left", maintain_order="left")
    f = f.join(day.rename({"_rec": "deadline_record", "training": "_d_train",
                           "_day": "_d_day"}),
               on="deadline_record", how="left", maintain_order="left")
    f = f.join(day.rename({"_rec": "_later", "training": "_a_train", "_day": "_a_day"}),
               on="_later", how="left", maintain_order="left")
    if "delivery" in records.columns:
        # Whether the left-out record's provider is the one its rule asks for: all the
        # words say of its provider.
        providers = {i: r.provider for i, r in enumerate(rules) if r.provider is not None}
        f = f.join(records.select("_rec", "training", "delivery", "provider").rename(
            {"_rec": "_excluded", "training": "_x_train", "delivery": "_x_delivery"}),
            on="_excluded", how="left", maintain_order="left").with_columns(
            _x_provider=pl.when(pl.col("_x_train").is_not_null()).then(
                pl.col("provider") == pl.col("_i").replace_strict(
                    providers, default=None, return_dtype=pl.String)))
    else:
        f = f.with_columns(_x_train=pl.lit(None, pl.String),
                           _x_delivery=pl.lit(None, pl.String),
                           _x_provider=pl.lit(None, pl.Boolean))
    is_hours = pl.col("_i").is_in(hours_rules)
    met = pl.col("status") == "met"
    has_latest = pl.col("_l_train").is_not_null()
    dated = pl.col("due").is_not_null()
    # Which parts of the words each shape reads (explain.finding and its helpers).
    starts = dated & ~met & ~has_latest
    hours_starts = is_hours & ~met & dated & ~(
        (pl.col("status") == "overdue")
        & (pl.col("due") != pl.col("deadline")).fill_null(True))
    reads_start = pl.when(is_hours).then(hours_starts).otherwise(starts)
    f = f.with_columns(
        _k_dated=dated,
        _kl_train=pl.when(~is_hours).then(pl.col("_l_train")),
        _ke_train=pl.when(met).then(pl.col("_e_train")),
        _ke_hours=pl.when(is_hours & met).then(pl.col("_e_hours")),
        _k_has_ev=met & (pl.col("evidence").list.len() > 0),
        _k_later=pl.when(met & ~is_hours).then(pl.col("_later_any").fill_null(False)),
        _k_start=reads_start,
        _k_since=pl.when(reads_start).then(pl.col("role_since").is_not_null()),
        _kd_train=pl.when(reads_start & (pl.col("_d_day") == pl.col("due")))
        .then(pl.col("_d_train")),
        _k_hours=pl.when(is_hours).then(pl.col("hours")),
        _k_off_deadline=pl.when(is_hours & ~met & dated).then(
            (pl.col("due") != pl.col("deadline")).fill_null(True)))
    keys = f.select(_KEY).unique(maintain_order=True)
    templates = [_template(rules, as_of, *key) for key in keys.iter_rows()]
    # Each template cut at its markers: text, a value, text, …; the values are picked per
    # finding and the pieces joined once (quicker than a replacement per marker).
    pieces = [_pieces(t) for t in templates]
    width = max((len(marks) for _, marks in pieces), default=0)
    keyed = keys.with_columns(
        *[pl.Series(f"_p{k}", [None if t is None else (texts[k] if k < len(texts) else "")
                              for t, (texts, _) in zip(templates, pieces, strict=True)],
                    dtype=pl.String) for k in range(width + 1)],
        *[pl.Series(f"_m{k}", [marks[k] if k < len(marks) else None for _, marks in pieces],
                    dtype=pl.Int8) for k in range(width)])
    f = f.join(keyed, on=list(_KEY), how="left", nulls_equal=True, maintain_order="left")
    unsure = set(f.filter(pl.col("_p0").is_null())["_row"].drop_nulls().to_list())
    values = [js(f["worker"]).str.slice(1).str.head(-1).fill_null(""),
              *[f[slot].dt.to_string("%Y-%m-%d").fill_null("") for slot in _SLOTS]]
    picked = f.select(*[pl.col(f"_p{k}") for k in range(width + 1)],
                      *[_pick(pl.col(f"_m{k}"), values).alias(f"_v{k}") for k in range(width)])
    text = picked.select(pl.concat_str(
        [pl.col(f"_p{k // 2}") if k % 2 == 0 else pl.col(f"_v{k // 2}")
         for k in range(2 * width + 1)])).to_series()
    return findings.with_columns(_text=text), unsure


def _pieces(template: str | None) -> tuple[list[str], list[int]]:
    """A template's text between its markers, and which value each marker stands for
    (0 the id, then the slots in `_SLOTS`' order)."""
    if template is None:
        return [], []
    found = _MARKERS.split(template)
    return found[0::2], [_MARKED[m] for m in found[1::2]]


def _pick(which: pl.Expr, values: list[pl.Series]) -> pl.Expr:
    """The value a marker stands for (`which`: its number), or "" where there is none."""
    return pl.coalesce([pl.when(which == k).then(pl.lit(v)) for k, v in enumerate(values)]
                       + [pl.lit("")])


def _template(rules: list[m.Requirement], as_of: datetime.date, i: int | None, status: str,
              dated: bool, l_train: str | None, e_train: str | None, e_hours: float | None,
              has_ev: bool, later: bool | None, start: bool, since: bool | None,
              d_train: str | None, have: float | None, off_deadline: bool | None,
              a_train: str | None, x_train: str | None, x_delivery: str | None,
              x_provider: bool | None) -> str | None:
    """The explanation's JSON text for one key, with markers for the worker's id and
    days; None when the policy's words hold a marker themselves."""
    if i is None:
        return None
    rule = rules[i]

    def made(who: str, days: tuple[str, ...]) -> str:
        due, l_day, e_day, anchor, a_day = (_Slot(mark) for mark in days)
        latest = None if l_train is None else TrainingRecord(l_train, l_day)
        evidence: tuple[TrainingRecord, ...] = ()
        if has_ev and e_train is not None:
            evidence = (TrainingRecord(e_train, e_day, hours=e_hours),)
        after = (TrainingRecord("", as_of + datetime.timedelta(days=1)),) if later else ()
        first = TrainingRecord(d_train, due) if d_train is not None else None
        after_day = () if a_train is None else (TrainingRecord(a_train, a_day),)
        left_out = () if x_train is None or x_delivery is None else (TrainingRecord(
            x_train, as_of, x_delivery, rule.provider if x_provider else None),)
        facts = Facts(anchor if since else None, anchor, (), latest, after_day,
                      None if off_deadline else due, have, left_out, first)
        worker = Worker(who, anchor, "none", training=after)
        return _js(finding_text(Finding(rule, status, due if dated else None, evidence,
                                        worker, as_of, facts)))

    text = made(_ID, _DAYS)
    check = text
    for mark, other in zip((_ID, *_DAYS), (_CHECK_ID, *_CHECK_DAYS), strict=True):
        check = check.replace(_js(mark)[1:-1], _js(other)[1:-1])
    return text if check == made(_CHECK_ID, _CHECK_DAYS) else None
