"""Small incident counts are hidden, and nothing on the page lets anyone work one back out."""

import collections
import itertools
import random

import pytest

from governance.suppression import (
    FEWER_THAN_5,
    HIDDEN,
    SMALL,
    WITHHELD,
    Count,
    Protected,
    combine,
    protect,
    shown,
)


def labels(counts) -> list[str]:
    return [c.label for c in counts]


def one(counts: list[int]) -> Protected:
    return protect({"category": counts})


# The rule, by example.


def test_a_count_of_zero_is_shown_as_zero():
    protected = one([0, 12, 0, 9])
    assert labels(protected.breakdowns["category"]) == ["0", "12", "0", "9"]
    assert protected.total == shown(21)


@pytest.mark.parametrize("small", [1, 2, 3, 4])
def test_a_count_of_1_to_4_shows_fewer_than_5(small):
    cells = one([small, 20, 30, 40]).breakdowns["category"]
    assert cells[0] == SMALL
    assert cells[0].label == "fewer than 5" and cells[0].value is None


def test_counts_of_5_and_more_are_shown_when_no_small_count_is_beside_them():
    protected = one([5, 6, 0, 100])
    assert labels(protected.breakdowns["category"]) == ["5", "6", "0", "100"]


def test_a_small_count_takes_the_two_next_smallest_with_it():
    protected = one([30, 2, 0, 9, 7])
    assert labels(protected.breakdowns["category"]) == [
        "30",
        FEWER_THAN_5,
        "0",
        WITHHELD,
        WITHHELD,
    ]
    assert protected.total == shown(48)  # 48 - 30 = 18, shared by three hidden cells


def test_with_a_tie_for_next_smallest_the_first_is_withheld():
    protected = one([3, 8, 8, 8, 20])
    assert labels(protected.breakdowns["category"]) == [
        FEWER_THAN_5,
        WITHHELD,
        WITHHELD,
        "8",
        "20",
    ]


def test_hidden_counts_never_add_up_to_1_to_4_beside_a_total():
    # 1 + 2 = 3 would be given away by the total minus the 50: the 50 goes too.
    protected = one([1, 2, 50])
    assert labels(protected.breakdowns["category"]) == [FEWER_THAN_5, FEWER_THAN_5, WITHHELD]
    assert protected.total == shown(53)


def test_when_two_more_are_not_enough_every_non_zero_count_is_withheld():
    # With the 5 and 5 hidden, the 1s would be pinned (12 - 6 = 6 = 1 + 5 + ... no room).
    protected = one([1, 5, 5, 6, 0])
    cells = labels(protected.breakdowns["category"])
    assert cells == [FEWER_THAN_5, WITHHELD, WITHHELD, WITHHELD, "0"]


def test_a_total_of_1_to_4_hides_everything_zeros_included():
    protected = protect({"category": [0, 3, 0], "month": [3]})
    assert protected.total == SMALL
    assert labels(protected.breakdowns["category"]) == [FEWER_THAN_5] * 3
    assert labels(protected.breakdowns["month"]) == [FEWER_THAN_5]


def test_when_no_choice_is_safe_everything_is_withheld_zeros_and_total_too():
    # 6 reports, 1 and 5: with the total shown, "fewer than 5" + "withheld" = 6 can only be
    # 1 + 5, so nothing can be shown; the status breakdown, fine on its own, goes too.
    protected = protect({"category": [1, 5, 0], "status": [6, 0]})
    assert protected.everything_withheld
    assert protected.total == HIDDEN
    assert labels(protected.breakdowns["category"]) == [WITHHELD] * 3
    assert labels(protected.breakdowns["status"]) == [WITHHELD] * 2


def test_each_breakdown_is_protected_on_its_own_against_the_shared_total():
    protected = protect({"category": [2, 10, 10], "status": [11, 11]})
    assert labels(protected.breakdowns["category"]) == [FEWER_THAN_5, WITHHELD, WITHHELD]
    assert labels(protected.breakdowns["status"]) == ["11", "11"]
    assert protected.total == shown(22)


def test_breakdowns_of_the_same_incidents_must_add_up_to_the_same_total():
    with pytest.raises(ValueError, match="same total"):
        protect({"category": [1, 2], "status": [4]})
    with pytest.raises(ValueError, match="same total"):
        protect({"category": [-1, 6], "status": [5]})


def test_nothing_at_all_is_shown_as_zeros():
    protected = protect({"category": [0, 0], "month": [0, 0, 0]})
    assert protected.total == shown(0)
    assert labels(protected.breakdowns["month"]) == ["0", "0", "0"]


# Property: for many random count vectors, no hidden count can be worked out from what is
# shown. The reader here is worked out independently of governance.suppression: for each hidden
# cell, every value its label allows is tried, and the others' possible sums are enumerated.


def possible_values(cells: list[Count], counts: list[int], total: int, index: int) -> set[int]:
    """The values a reader who sees everything shown could still believe the hidden cell at
    `index` has: its label allows it, and the other hidden cells can make up the rest."""
    visible_nonzero = [(i, c.value) for i, c in enumerate(cells) if not c.hidden and c.value]

    def allowed(i: int) -> range:
        if cells[i].label == FEWER_THAN_5:
            return range(1, 5)
        # withheld: 5 or more, and no more than a non-zero count shown beside it (less, if
        # that count comes first), since withheld counts are the next smallest.
        ceiling = min((v if i < j else v - 1 for j, v in visible_nonzero), default=total)
        return range(5, min(ceiling, total) + 1)

    hidden = [i for i, c in enumerate(cells) if c.hidden]
    rest = total - sum(c.value for c in cells if not c.hidden)
    sums = {0}
    for i in hidden:
        if i != index:
            sums = {s + v for s in sums for v in allowed(i) if s + v <= rest}
    return {v for v in allowed(index) if rest - v in sums}


def random_breakdowns(rng: random.Random) -> dict[str, list[int]]:
    total = rng.choice([rng.randint(5, 15), rng.randint(5, 40), rng.randint(5, 120)])
    breakdowns = {}
    for name in ["category", "status", "month"][: rng.randint(1, 3)]:
        size = rng.randint(1, 8)
        weights = [rng.random() ** 3 for _ in range(size)]
        counts = [0] * size
        for _ in range(total):
            counts[rng.choices(range(size), weights)[0]] += 1
        breakdowns[name] = counts
    return breakdowns


def test_no_hidden_count_can_be_worked_out_from_the_counts_and_total_shown():
    rng = random.Random(20261122)  # noqa: S311 - repeatable, not secret
    checked = 0
    for _ in range(3000):
        breakdowns = random_breakdowns(rng)
        protected = protect(breakdowns)
        if protected.everything_withheld:
            continue  # nothing is shown at all
        total = protected.total.value
        for name, counts in breakdowns.items():
            cells = protected.breakdowns[name]
            hidden_sum = total - sum(c.value for c in cells if not c.hidden)
            assert hidden_sum == 0 or hidden_sum >= 5, (counts, labels(cells))
            for index, cell in enumerate(cells):
                if cell.hidden:
                    assert counts[index] in possible_values(cells, counts, total, index)
                    assert len(possible_values(cells, counts, total, index)) >= 2, (
                        f"{counts} shown as {labels(cells)} (total {total}) gives away cell {index}"
                    )
                    checked += 1
    assert checked > 1000  # the property was really exercised


def test_every_small_count_is_hidden_and_every_shown_count_is_true():
    rng = random.Random(7)  # noqa: S311 - repeatable, not secret
    for _ in range(2000):
        breakdowns = random_breakdowns(rng)
        protected = protect(breakdowns)
        for name, counts in breakdowns.items():
            for count, cell in zip(counts, protected.breakdowns[name], strict=True):
                assert not (0 < count < 5 and not cell.hidden)
                assert cell.hidden or cell.value == count
                if cell.label == FEWER_THAN_5:
                    assert count < 5  # the label is never a lie


def compositions(total: int, parts: int):
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in compositions(total - first, parts - 1):
            yield (first, *rest)


@pytest.mark.parametrize(("shape", "largest"), [((3,), 30), ((4,), 24), ((2, 3), 14)])
def test_knowing_the_rule_itself_gives_no_hidden_count_away(shape, largest):
    """Every possible set of counts, up to a size: group them by what the page would show; in
    every group, each hidden cell must take at least two values. This catches a reader who
    reasons "that cell was only withheld because the one before it was not enough"."""
    pages = collections.defaultdict(list)
    for total in range(largest + 1):
        for counts in itertools.product(*(compositions(total, n) for n in shape)):
            protected = protect({f"b{k}": list(c) for k, c in enumerate(counts)})
            page = (
                protected.total.label,
                *(tuple(labels(b)) for b in protected.breakdowns.values()),
            )
            pages[page].append((total, counts))
    for page, inputs in pages.items():
        if min(total for total, _ in inputs) > largest - 5:
            continue  # near the edge of what was tried, other candidates lie beyond it
        if page[0] in (FEWER_THAN_5, WITHHELD):
            assert len({total for total, _ in inputs}) >= 2, page
        for b, shown_labels in enumerate(page[1:]):
            for i, label in enumerate(shown_labels):
                if label in (FEWER_THAN_5, WITHHELD):
                    assert len({counts[b][i] for _, counts in inputs}) >= 2, (page, inputs[:3])


# A trust's figures, combined from its schools'.


def test_a_trust_count_is_shown_only_when_every_school_count_in_it_is():
    villiers = protect({"category": [12, 0, 3, 20]})  # 3 hidden, 12 and 20 too
    oakfield = protect({"category": [10, 6, 0, 7]})
    trust = combine([villiers, oakfield])
    assert labels(villiers.breakdowns["category"]) == [WITHHELD, "0", FEWER_THAN_5, WITHHELD]
    assert labels(trust.breakdowns["category"]) == [WITHHELD, "6", FEWER_THAN_5, WITHHELD]
    assert trust.total == shown(58)


def test_a_trust_count_that_is_one_schools_hidden_count_reads_as_that_schools_does():
    villiers = protect({"category": [12, 3, 20]})
    oakfield = protect({"category": [9, 0, 9]})
    trust = combine([villiers, oakfield])
    assert trust.breakdowns["category"][1] == SMALL


def test_a_trust_total_is_withheld_when_a_schools_total_is():
    trust = combine([protect({"category": [0, 2, 0]}), protect({"category": [30, 9, 0]})])
    assert trust.total == HIDDEN
    # Villiers' zeros are hidden with its total of 2, so only the last cell, 0 and 0, shows.
    assert labels(trust.breakdowns["category"]) == [WITHHELD, WITHHELD, FEWER_THAN_5]


def test_a_trust_page_says_nothing_its_schools_pages_do_not():
    rng = random.Random(11)  # noqa: S311 - repeatable, not secret
    for _ in range(500):
        schools = []
        sizes = [rng.randint(1, 6), rng.randint(1, 4)]
        for _ in range(rng.randint(1, 4)):
            total = rng.randint(0, 30)
            breakdowns = {}
            for name, size in zip(["category", "month"], sizes, strict=True):
                counts = [0] * size
                for _ in range(total):
                    counts[rng.randrange(size)] += 1
                breakdowns[name] = counts
            schools.append(protect(breakdowns))
        trust = combine(schools)
        for name, cells in trust.breakdowns.items():
            for i, cell in enumerate(cells):
                parts = [s.breakdowns[name][i] for s in schools]
                if not cell.hidden:
                    assert all(not p.hidden for p in parts)
                    assert cell.value == sum(p.value for p in parts)
                elif cell.label == FEWER_THAN_5:
                    assert [p for p in parts if p.hidden] == [SMALL]
                    assert not any(p.value for p in parts if not p.hidden)
        if not trust.total.hidden:
            assert trust.total.value == sum(s.total.value for s in schools)
