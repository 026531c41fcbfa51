"""A policy version's text as the portal shows it: its clauses as HTML, under its sections."""

from django.template.loader import render_to_string

from conduct_portal.caching import remembered
from policies import selectors
from policies.models import Clause, PolicyVersion

KEPT_SECONDS = 7 * 24 * 3600


def sections_of(clauses: list[Clause]) -> list[tuple[str, str]]:
    """The contents: each section heading with the anchor of its first clause."""
    sections: dict[str, str] = {}
    for clause in clauses:
        sections.setdefault(clause.section, clause.anchor)
    return list(sections.items())


def whole_text(version: PolicyVersion) -> dict:
    """A version's text as HTML, with its contents (each section heading and the anchor of its
    first clause). A published version never changes, so it is rendered once and kept under its
    content's fingerprint; a draft is rendered every time."""

    def render_text() -> dict:
        clauses = selectors.clauses_of(version)
        html = render_to_string("policies/_text.html", {"clauses": clauses, "query": ""})
        return {"html": html, "sections": sections_of(clauses)}

    if version.is_draft:
        return render_text()
    key = f"policies:text:{version.pk}:{version.content_sha256}"
    return remembered(key, render_text, timeout=KEPT_SECONDS)
