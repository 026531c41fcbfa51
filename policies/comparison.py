"""What changed between two versions, clause by clause, matched by their stable keys."""

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from policies.models import Clause


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass
class ClauseChange:
    key: str
    section: str
    change: Change
    old: Clause | None
    new: Clause | None
    html: SafeString  # the text with removed words in <del> and added words in <ins>

    @property
    def anchor(self) -> str:
        return (self.new or self.old).anchor


_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> SafeString:
    """Both texts merged into one, removed words marked <del>, added words marked <ins>."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    # Runs of (removed, added, kept) text; a lone space kept between two changes joins them, so
    # a rewritten phrase reads as one deletion and one insertion.
    runs: list[list[str]] = []  # each: [removed, added, kept after them]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            if runs and not runs[-1][2]:
                runs[-1][2] = removed
            else:
                runs.append(["", "", removed])
        elif runs and (runs[-1][0] or runs[-1][1]) and runs[-1][2].isspace():
            space = runs[-1][2]
            runs[-1] = [runs[-1][0] + space + removed, runs[-1][1] + space + added, ""]
        else:
            runs.append([removed, added, ""])
    parts = []
    for removed, added, kept in runs:
        if removed:
            parts.append(f"<del>{escape(removed)}</del>")
        if added:
            parts.append(f"<ins>{escape(added)}</ins>")
        parts.append(escape(kept))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped above


def compare(old: list[Clause], new: list[Clause]) -> list[ClauseChange]:
    """Every clause of the new version in order, with each removed clause where it used to be."""
    old_by_key = {clause.key: clause for clause in old}
    new_keys = {clause.key for clause in new}
    changes: list[ClauseChange] = []
    removed = [clause for clause in old if clause.key not in new_keys]
    for clause in new:
        # Removed clauses that stood before this one in the old version come first.
        before = old_by_key.get(clause.key)
        while removed and before and removed[0].position < before.position:
            gone = removed.pop(0)
            changes.append(_removed(gone))
        if before is None:
            changes.append(
                ClauseChange(
                    clause.key,
                    clause.section,
                    Change.ADDED,
                    None,
                    clause,
                    word_diff("", clause.text),
                )
            )
        elif before.text != clause.text or before.section != clause.section:
            changes.append(
                ClauseChange(
                    clause.key, clause.section, Change.CHANGED, before, clause,
                    word_diff(before.text, clause.text),
                )
            )  # fmt: skip
        else:
            changes.append(
                ClauseChange(
                    clause.key,
                    clause.section,
                    Change.UNCHANGED,
                    before,
                    clause,
                    escape(clause.text),
                )
            )
    changes.extend(_removed(clause) for clause in removed)
    return changes


def _removed(clause: Clause) -> ClauseChange:
    return ClauseChange(
        clause.key, clause.section, Change.REMOVED, clause, None, word_diff(clause.text, "")
    )


def keys_changed(old: Iterable, new: Iterable) -> list[str]:
    """The keys of the clauses (or ClauseTexts) added, changed or removed, without the word diff:
    the new version's in order, then the removed ones."""
    before = {c.key: (c.section, c.text) for c in old}
    after = {c.key: (c.section, c.text) for c in new}
    return [key for key in after if before.get(key) != after[key]] + [
        key for key in before if key not in after
    ]
