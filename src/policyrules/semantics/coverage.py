"""Coverage: every paragraph of the source, and what in the policy encodes it."""

from __future__ import annotations

import attrs

from .model import PolicyModel


@attrs.frozen
class Encoding:
    kind: str  # requirement, group, training, role, duty, definition, background
    id: str
    title: str


@attrs.frozen
class ParagraphCoverage:
    paragraph: str
    encodings: tuple[Encoding, ...]

    @property
    def covered(self) -> bool:
        return bool(self.encodings)


def coverage(model: PolicyModel) -> tuple[ParagraphCoverage, ...]:
    """One entry per source paragraph (document order), then one per `local:` id."""
    found: dict[str, list[Encoding]] = {p: [] for p in model.paragraphs}
    found.update({k: [] for k, _ in model.local_ids})
    items: list[tuple[str, str, str, tuple[str, ...]]] = []
    items += [("requirement", r.id, r.title, r.cites) for r in model.requirements]
    items += [("group", g.id, g.title, g.cites) for g in model.groups]
    items += [("training", t.id, t.title, t.cites) for t in model.trainings]
    items += [("role", r.id, r.title, r.cites) for r in model.roles]
    items += [(n.kind, n.id, n.title, n.cites) for n in model.notes]
    for kind, ident, title, cites in items:
        for cite in cites:
            if cite in found:
                found[cite].append(Encoding(kind, ident, title))
    return tuple(ParagraphCoverage(p, tuple(e)) for p, e in found.items())
