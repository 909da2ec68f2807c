"""Values and required clauses: a duration where a duration belongs, a real date, etc."""

from __future__ import annotations

from ..contract.vocabulary import MAX_HOURS
from ..language import nodes as n
from .context import Context

_KIND_WORDS = {
    "date": "a date",
    "duration": "a duration",
    "number": "a bare number",
    "text": "a text",
}
_EXAMPLES = {"duration": "`6 months` or `3 years`", "date": "`2026-03-01`"}
# The longest duration in each unit: a century, so that no deadline passes year 9999.
MAX_DURATION = {"years": 100, "months": 1200, "weeks": 5218, "days": 36525}


def expect_kind(ctx: Context, value: n.Value | None, kind: str, where: str) -> None:
    if value is None:
        return
    if value.kind != kind:
        hint = f"write {_KIND_WORDS[kind]} like {_EXAMPLES[kind]}"
        if value.kind == "number" and kind == "duration":
            hint = f"add a unit: `{value.text} months` or `{value.text} years`"
        ctx.error("type", f"expected {_KIND_WORDS[kind]} after `{where}`, found "
                  f"{_KIND_WORDS[value.kind]} `{value.text}`", value.span, hint)
    elif kind == "date" and value.date is None:
        ctx.error("bad-date", f"`{value.text}` is not a calendar date", value.span,
                  "check the month (01–12) and the day of the month")
    elif kind == "duration" and value.duration is not None and value.duration.amount == 0:
        ctx.error("bad-duration", f"a duration of `{value.text}` is zero", value.span,
                  "use a positive duration, or remove the clause")
    elif (kind == "duration" and value.duration is not None
          and value.duration.amount > MAX_DURATION[value.duration.unit]):
        ctx.error("bad-duration", f"a duration of `{value.text}` is longer than 100 years",
                  value.span, "the longest is `100 years` (1200 months, 5218 weeks, 36525 days)")


def _at_most(ctx: Context, hours: n.Number, written: str) -> None:
    if hours.value > MAX_HOURS:
        ctx.error("bad-hours", f"`{written}` is more than {MAX_HOURS} hours", hours.span,
                  f"give at most {MAX_HOURS} hours (about 114 years)")


def check_values(ctx: Context) -> None:
    p = ctx.program
    for r in [*p.requirements, *p.amendments]:
        if r.deadline is not None:
            expect_kind(ctx, r.deadline.within, "duration", "due within")
        expect_kind(ctx, r.renew, "duration", "renew every")
        expect_kind(ctx, r.grace, "duration", "grace")
        expect_kind(ctx, r.in_force_from, "date", "in force from")
        expect_kind(ctx, r.in_force_until, "date", "in force until")
        if r.hours is not None:
            expect_kind(ctx, r.hours.window, "duration", "hours within")
            if r.hours.hours.value <= 0:
                ctx.error("bad-hours", f"`at least {r.hours.hours.text} hours` asks for no "
                          "training at all", r.hours.hours.span,
                          "give a positive number of hours, like `at least 8 hours`")
            _at_most(ctx, r.hours.hours, f"at least {r.hours.hours.text} hours")
        start, end = r.in_force_from, r.in_force_until
        if start is not None and end is not None and start.date and end.date \
                and start.date > end.date:
            ctx.error("bad-range", f"`in force until {end.text}` is before "
                      f"`in force from {start.text}`", end.span,
                      "the range is inclusive: `until` must be on or after `from`")
    for ex in p.examples:
        expect_kind(ctx, ex.started, "date", "started")
        expect_kind(ctx, ex.as_of, "date", "as of")
        for item in ex.roles:
            expect_kind(ctx, item.since, "date", "since")
        for done in ex.completed:
            expect_kind(ctx, done.on, "date", "on")
        for e in ex.expectations:
            if isinstance(e, n.ExpectStatus):
                expect_kind(ctx, e.deadline, "date", "deadline")
            elif isinstance(e, n.ExpectEligible):
                expect_kind(ctx, e.on, "date", "on")


def check_required_clauses(ctx: Context) -> None:
    p = ctx.program
    for r in p.requirements:
        missing = [
            (r.applies is None, "applies to", "`applies to contact at least occasional`"),
            (r.satisfied_by is None, "satisfied by", "`satisfied by TRAINING`"),
            (r.deadline is None and r.before_first is None, "due within",
             "`due within 6 months of start`, `due before first TRAINING`, or `no deadline` "
             "where the document gives none"),
            (r.explain is None, "explain", '`explain "the plain-English rule"`'),
        ]
        for absent, clause, example in missing:
            if absent:
                ctx.error("missing-clause", f"requirement `{r.name.name}` has no `{clause}` clause",
                          r.name.span, f"add {example}")
    for g in p.groups:
        if g.members is None:
            ctx.error("missing-clause", f"group `{g.name.name}` has no `members` clause",
                      g.name.span, "add e.g. `members contact regular`")
    for t in p.trainings:
        if t.hours is not None:
            _at_most(ctx, t.hours, f"hours {t.hours.text}")
        if t.delivery is None:
            ctx.error("missing-clause", f"training `{t.name.name}` has no `delivery` clause",
                      t.name.span, "add `delivery single-agency` or `delivery inter-agency`")
    for ex in p.examples:
        for value, clause in ((ex.started, "started"), (ex.contact, "contact"),
                              (ex.as_of, "as of")):
            if value is None:
                ctx.error("missing-clause", f'example "{ex.title}" has no `{clause}` clause',
                          ex.span, "an example needs `started DATE`, `contact LEVEL` and "
                          "`as of DATE`")
        if not ex.expectations:
            ctx.error("missing-clause", f'example "{ex.title}" expects nothing', ex.span,
                      "add at least one `expect …` line")
