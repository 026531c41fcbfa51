"""Clause text is plain text: paragraphs split by a blank line, bullets as lines starting "- "."""

import re

from django import template
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()
BULLET = re.compile(r"^(\s*)- (.*)$")


@register.filter
def clause_html(text: str, query: str = "") -> SafeString:
    """Paragraphs as <p>, bullets as <ul>, and the search words (if any) marked."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        if all(BULLET.match(line) for line in lines):
            items = [BULLET.match(line) for line in lines]
            blocks.append(
                "<ul>"
                + format_html_join(
                    "",
                    '<li class="{}">{}</li>',
                    (("nested" if m.group(1) else "", _mark(m.group(2), query)) for m in items),
                )
                + "</ul>"
            )
        else:
            blocks.append(f"<p>{_mark(' '.join(lines), query)}</p>")
    return mark_safe("".join(blocks))  # noqa: S308 - every piece of text passed through escape


def _mark(text: str, query: str) -> SafeString:
    escaped = escape(text)
    if not query:
        return escaped
    pattern = re.compile(re.escape(escape(query)), re.IGNORECASE)
    return mark_safe(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))  # noqa: S308
