"""Plain-English text for findings: the rule, its paragraphs, and the worker's dates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from ..semantics.dates import iso

if TYPE_CHECKING:
    from ..semantics.model import Requirement
    from .decision import Finding


@attrs.frozen
class _Words:
    head: str  # the rule's sentence and its paragraphs
    title: str  # the title as it reads mid-sentence
    options: str  # the trainings that would meet it


# By identity: hashing a frozen Requirement walks all its fields, which costs more than
# building the words. The rule is kept beside its words so an id is never reused.
_WORDS: dict[int, tuple[Requirement, _Words]] = {}


def _words(rule: Requirement) -> _Words:
    """The parts that depend on the rule alone, built once per rule rather than per finding."""
    cached = _WORDS.get(id(rule))
    if cached is not None and cached[0] is rule:
        return cached[1]
    title = rule.title[0].lower() + rule.title[1:] if rule.title else rule.id
    words = _Words(f"{rule.explain.rstrip('.')} ({', '.join(rule.cites)})", title,
                   " or ".join(rule.satisfied_by))
    if len(_WORDS) > 4096:
        _WORDS.clear()
    _WORDS[id(rule)] = (rule, words)
    return words


def finding(f: Finding) -> str:
    rule, w = f.rule, f.worker
    words = _words(rule)
    head = words.head
    facts = f.facts
    # The latest record that counts: the evidence of a met requirement, or what an expired
    # renewal was last met by (of several that day, the canonical first, so that the text
    # does not depend on the order of the records).
    last = facts.latest
    if last is not None:
        done = f"{w.id} completed {last.training} on {iso(last.completed)}"
        if f.due is None:
            return f"{head}; {done}."
        if f.status == "met":
            return f"{head}; {done} and must renew it by {iso(f.due)}."
        return f"{head}; {done}, and its renewal was due by {iso(f.due)}."
    if f.due is None:
        return (f"{head}; {w.id} has no {words.title} on record, and the document sets no "
                f"deadline, so it is needed now: {words.options} would meet it.")
    if rule.anchor_role is not None:
        start = f"took the role {rule.anchor_role} on {iso(facts.anchor)}"
    else:
        start = f"started on {iso(facts.anchor)}"
    when = "is due by" if f.status == "due" else "was due by"
    return (f"{head}; {w.id} {start} and has no {words.title} on record; it {when} "
            f"{iso(f.due)} ({words.options} would meet it).")
