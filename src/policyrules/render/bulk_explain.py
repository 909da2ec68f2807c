"""The explanations of a batch's findings, for the bulk JSON writer (render/bulk_json.py).

An explanation depends on the worker only through its id and a few facts (the rule,
status, due day, the latest and first evidence record, anchor, deadline, hours...).
`_KEY` names exactly those the sentences of `contract/explain.py` read for each shape of
finding (`explain.Shape`, after the rule); each distinct key is explained once by
`explain.finding` itself on a stand-in finding whose id and days print as markers
(`render.contract_json.template`, with which the row path's writer words its findings
too), and the finding's own id and days are put in their places. Kept apart from the
writer because it is the one part that must follow the explanation code: a new sentence
in explain.py is a new key part here (and in `explain.shape`).
"""

from __future__ import annotations

import datetime
from typing import Any

import polars as pl

from ..semantics import model as m
from .contract_json import cut, template

# What an explanation reads of a finding, as columns: the key (`_KEY`: `explain.Shape`
# after the rule's index, with nulls where a shape of finding does not read a part, so
# that findings with the same words share one), and the days it prints, each a slot of
# the key's template (`explain.Days`).
_KEY = ("_i", "status", "_k_dated", "_kl_train", "_ke_train", "_ke_hours", "_k_has_ev",
        "_k_later", "_k_start", "_k_since", "_kd_train", "_k_hours", "_k_off_deadline",
        "_a_train", "_x_train", "_x_delivery", "_x_provider")
_SLOTS = ("due", "_l_day", "_e_day", "anchor", "_a_day")


def explained(findings: pl.DataFrame, records: pl.DataFrame, rules: list[m.Requirement],
              as_of: datetime.date, ids: pl.Series) -> tuple[pl.DataFrame, set[int]]:
    """`_text`: each finding's explanation as JSON text, its worker's id and days in
    place; and the rows whose words could not be made from a template (the policy's own
    words hold a marker). `ids`: each finding's worker id as JSON text (quotes included)."""
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
    values = [ids.str.slice(1).str.head(-1).fill_null(""),
              *[f[slot].dt.to_string("%Y-%m-%d").fill_null("") for slot in _SLOTS]]
    picked = f.select(*[pl.col(f"_p{k}") for k in range(width + 1)],
                      *[_pick(pl.col(f"_m{k}"), values).alias(f"_v{k}") for k in range(width)])
    text = picked.select(pl.concat_str(
        [pl.col(f"_p{k // 2}") if k % 2 == 0 else pl.col(f"_v{k // 2}")
         for k in range(2 * width + 1)])).to_series()
    return findings.with_columns(_text=text), unsure


def _pieces(text: str | None) -> tuple[list[str], list[int]]:
    """A template's text between its markers, and which value each marker stands for
    (0 the id, then the slots in `_SLOTS`' order)."""
    return ([], []) if text is None else cut(text)


def _pick(which: pl.Expr, values: list[pl.Series]) -> pl.Expr:
    """The value a marker stands for (`which`: its number), or "" where there is none."""
    return pl.coalesce([pl.when(which == k).then(pl.lit(v)) for k, v in enumerate(values)]
                       + [pl.lit("")])


def _template(rules: list[m.Requirement], as_of: datetime.date, i: int | None,
              *key: Any) -> str | None:
    """The explanation's JSON text for one key (the rule's index, then `explain.Shape`),
    with markers for the worker's id and days; None when the words hold a marker
    themselves (render/contract_json.py `template`)."""
    return None if i is None else template(rules[i], as_of, key)
