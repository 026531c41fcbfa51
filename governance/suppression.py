"""Small-number suppression of incident counts: the one place it is decided.

Every incident figure on the dashboard, in its charts, in the CSV and in the PDF comes out of
`protect` (one school's breakdowns) or `combine` (a trust's schools), so all four hide the same
cells. governance/README.md says why the rule is what it is.

The rule, for breakdowns of the same incidents (by category, by status, by month) that share
one total:

1. 0 is shown as 0. A total of 1 to 4 hides everything: every cell, zeros too, and the total
   show "fewer than 5".
2. In each breakdown, a count of 1 to 4 shows "fewer than 5" (primary suppression). If there is
   one, the two smallest other non-zero counts are withheld too (secondary suppression), so that
   the total minus what is shown never gives a number of 1 to 4 nor pins down a hidden cell.
3. If a hidden cell can still be worked out, every non-zero count of that breakdown is withheld.
4. If even that is not enough, everything is withheld: every cell of every breakdown, zeros
   and the total too.

"Worked out" is checked exactly by `_pinned`: a reader knows every number shown and the total,
that "fewer than 5" means 1 to 4, and that "withheld" means 5 or more and no more than any
non-zero number still shown beside it (they are the smallest). Steps 2–4 are fixed in advance
rather than adding one cell at a time until safe, because a reader who knows the rule could
otherwise work back from "that cell was only added because the step before was unsafe";
tests/governance/test_suppression.py checks every count vector of small breakdowns for that.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

THRESHOLD = 5
SECONDARY = 2  # how many more counts are withheld in a breakdown with a small one
FEWER_THAN_5 = "fewer than 5"
WITHHELD = "withheld"


@dataclass(frozen=True)
class Count:
    """A count as it may be shown: its value, or None when it is hidden, and its label."""

    value: int | None
    label: str

    @property
    def hidden(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return self.label


def shown(value: int) -> Count:
    return Count(value, str(value))


SMALL = Count(None, FEWER_THAN_5)
HIDDEN = Count(None, WITHHELD)


@dataclass(frozen=True)
class Protected:
    """What may be shown of several breakdowns of the same incidents."""

    total: Count
    breakdowns: dict[str, tuple[Count, ...]]

    @property
    def everything_withheld(self) -> bool:
        return self.total is HIDDEN


def protect(breakdowns: Mapping[str, Sequence[int]]) -> Protected:
    """What may be shown of breakdowns that each add up to the same total."""
    values = {name: list(counts) for name, counts in breakdowns.items()}
    if not values:
        raise ValueError("Nothing to protect")
    totals = {sum(counts) for counts in values.values()}
    if len(totals) != 1 or any(c < 0 for counts in values.values() for c in counts):
        raise ValueError("Breakdowns of the same incidents must add up to the same total")
    total = totals.pop()
    if total == 0:
        return _all(values, shown(0))
    if total < THRESHOLD:
        return _all(values, SMALL)
    protected = {}
    for name, counts in values.items():
        hidden = _hide(counts)
        if hidden is None:
            return _all(values, HIDDEN)
        protected[name] = tuple(hidden.get(i, shown(c)) for i, c in enumerate(counts))
    return Protected(shown(total), protected)


def combine(schools: Sequence[Protected]) -> Protected:
    """A trust's figures from its schools' protected figures.

    A trust-wide count is shown only when every school's count in it is shown (it is then their
    sum), or is the one school's hidden count with every other school's a shown 0 (it is then
    that count, labelled as that school's dashboard labels it); otherwise it is withheld, with
    no hint of its size. So a trust-level reader, who also sees each school's dashboard, learns
    nothing here that those dashboards do not already say.
    """
    if not schools:
        raise ValueError("A trust needs at least one school to combine")

    def add(counts: Sequence[Count]) -> Count:
        hidden = [c for c in counts if c.hidden]
        if not hidden:
            return shown(sum(c.value for c in counts))
        if len(hidden) == 1 and not any(c.value for c in counts if not c.hidden):
            return hidden[0]  # it is that one school's count, already shown as it is
        return HIDDEN

    first = schools[0].breakdowns
    return Protected(
        add([s.total for s in schools]),
        {
            name: tuple(add([s.breakdowns[name][i] for s in schools]) for i in range(len(cells)))
            for name, cells in first.items()
        },
    )


def _all(values: dict[str, list[int]], count: Count) -> Protected:
    return Protected(count, {name: tuple(count for _ in cells) for name, cells in values.items()})


def _hide(counts: list[int]) -> dict[int, Count] | None:
    """The cells of one breakdown to hide, by index, or None if no choice is safe."""
    small = {i: SMALL for i, c in enumerate(counts) if 0 < c < THRESHOLD}
    if not small:
        return {}
    others = sorted((c, i) for i, c in enumerate(counts) if c >= THRESHOLD)
    for withheld in (others[:SECONDARY], others):
        hidden = small | {i: HIDDEN for _, i in withheld}
        if not _pinned(counts, hidden):
            return hidden
    return None


# The check: could a reader work out a hidden number?

Interval = tuple[float, float]


def _box(counts: list[int], hidden: dict[int, Count], index: int) -> Interval:
    """What a reader can tell of one hidden cell from its label and the cells shown beside it."""
    if hidden[index] is SMALL:
        return (1, THRESHOLD - 1)
    # Withheld: 5 or more, and, being among the smallest, no more than any non-zero count still
    # shown (less than it if that count comes first, as ties go to the first).
    high = min(
        (c if index < i else c - 1 for i, c in enumerate(counts) if c > 0 and i not in hidden),
        default=math.inf,
    )
    return (THRESHOLD, high)


def _pinned(counts: list[int], hidden: dict[int, Count]) -> bool:
    """Whether the hidden cells add up to 1–4, or any of them has only one possible value,
    knowing what they add up to (the total minus what is shown) and each one's box."""
    hidden_sum = sum(counts[i] for i in hidden)
    if 0 < hidden_sum < THRESHOLD:
        return True
    boxes = [_box(counts, hidden, i) for i in hidden]
    for j, (low, high) in enumerate(boxes):
        others = boxes[:j] + boxes[j + 1 :]
        can_low = max(low, hidden_sum - sum(b[1] for b in others))
        can_high = min(high, hidden_sum - sum(b[0] for b in others))
        if can_low >= can_high:
            return True
    return False
