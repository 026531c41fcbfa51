"""A policy version's text: its clauses as HTML under its sections, and as plain values.

A published version never changes, so both are read once and kept in the cache under the
version and its content's SHA-256; a draft's are read every time.
"""

from typing import NamedTuple

from django.template.loader import render_to_string

from lib.caching import remembered
from policies import selectors
from policies.comparison import keys_changed
from policies.models import Clause, PolicyVersion

KEPT_SECONDS = 7 * 24 * 3600
# Part of every key: raise it when the rendered HTML changes (templates/policies/_text.html,
# _clause.html, _gap.html),
# so a week-old cached text is not served in the old form.
RENDERING = 3


class ClauseText(NamedTuple):
    key: str
    section: str
    text: str


def _kept(version: PolicyVersion, what: str, read):
    if version.is_draft:
        return read()
    key = f"policies:{what}:r{RENDERING}:{version.pk}:{version.content_sha256}"
    return remembered(key, read, timeout=KEPT_SECONDS)


def clause_texts(version: PolicyVersion) -> list[ClauseText]:
    """The version's clauses in order, as values: what sign-off compares and quotes."""
    return _kept(
        version,
        "clauses",
        lambda: [ClauseText(*row) for row in version.clauses.values_list("key", "section", "text")],
    )


def clauses_changed(old: PolicyVersion, new: PolicyVersion) -> list[str]:
    """The keys of the clauses that differ between two versions (`keys_changed`): what a
    sign-off of the newer by someone who signed the older records. Kept for published pairs."""

    def compare() -> list[str]:
        return keys_changed(clause_texts(old), clause_texts(new))

    if old.is_draft or new.is_draft:
        return compare()
    key = f"policies:changed:{old.pk}:{old.content_sha256}:{new.pk}:{new.content_sha256}"
    return remembered(key, compare, timeout=KEPT_SECONDS)


def sections_of(clauses: list[Clause]) -> list[tuple[str, str]]:
    """The contents: each section heading with the anchor of its first clause."""
    sections: dict[str, str] = {}
    for clause in clauses:
        sections.setdefault(clause.section, clause.anchor)
    return list(sections.items())


def whole_text(version: PolicyVersion) -> dict:
    """A version's text as HTML, with its contents (each section heading and the anchor of its
    first clause)."""

    def render_text() -> dict:
        clauses = selectors.clauses_of(version)
        html = render_to_string("policies/_text.html", {"clauses": clauses, "query": ""})
        return {"html": html, "sections": sections_of(clauses)}

    return _kept(version, "text", render_text)
