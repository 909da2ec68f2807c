"""The unit the checks run over: a policy file with what it extends folded in."""

from __future__ import annotations

import attrs

from . import nodes as n


@attrs.define
class Program:
    """A policy file with what it extends folded in: the unit the checks run over."""

    top: n.PolicyFile
    files: dict[str, str]  # path -> text, for source lines in diagnostics
    paragraphs: tuple[str, ...]  # the source's paragraph ids, in document order
    source_name: str
    local_ids: dict[str, n.LocalId]
    roles: list[n.RoleDecl]
    groups: list[n.GroupDecl]
    trainings: list[n.TrainingDecl]
    requirements: list[n.RequirementDecl]
    notes: list[n.NoteDecl]
    examples: list[n.ExampleDecl]
    amendments: list[n.RequirementDecl]
    # The file `source … text "FILE"` names, resolved against the policy that says it;
    # only the authoring tools read it (source_text.py), never the pipeline.
    source_text: str | None = None
