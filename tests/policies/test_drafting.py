import datetime

import pytest
from django.core.exceptions import ValidationError

from policies.comparison import Change, compare, word_diff
from policies.models import VersionStatus, content_sha256
from policies.services import (
    clause_add,
    clause_move,
    clause_remove,
    clause_update,
    draft_start,
)
from tests.factories import publish


def keys(version):
    return list(version.clauses.values_list("key", flat=True))


def test_a_draft_starts_as_a_copy_of_the_current_version(se_policy, alice):
    draft = draft_start(policy=se_policy.policy, by=alice)
    assert draft.number == 2
    assert draft.status == VersionStatus.DRAFT
    assert keys(draft) == keys(se_policy)
    assert draft_start(policy=se_policy.policy, by=alice) == draft  # one draft at a time


def test_the_head_adds_changes_removes_and_reorders_clauses(se_policy, alice):
    draft = draft_start(policy=se_policy.policy, by=alice)
    clause_update(
        clause=draft.clauses.get(key="6.5"), section="Safer social networking practice", text="New"
    )
    clause_remove(clause=draft.clauses.get(key="6.6"))
    added = clause_add(
        version=draft, key="11.4", section="Breaches of Policy and Other Issues", text="X"
    )
    unnumbered = clause_add(version=draft, section="Breaches of Policy and Other Issues", text="Y")
    clause_move(clause=draft.clauses.get(key="11.4"), offset=-1)
    assert draft.clauses.get(key="6.5").text == "New"
    assert "6.6" not in keys(draft)
    assert keys(draft)[-3:] == ["11.4", "11.3", unnumbered.key]
    assert unnumbered.key == "breaches-of-policy-and-other-issues-1"
    assert added.key == "11.4"
    positions = list(draft.clauses.values_list("position", flat=True))
    assert positions == list(range(1, len(positions) + 1))


def test_a_clause_number_cannot_be_used_twice(se_policy, alice):
    draft = draft_start(policy=se_policy.policy, by=alice)
    with pytest.raises(ValidationError, match=r"already has a clause 6\.5"):
        clause_add(version=draft, key="6.5", section="S", text="T")


def test_publishing_supersedes_the_previous_version_and_records_the_approval(se_policy, alice):
    draft = draft_start(policy=se_policy.policy, by=alice)
    clause_update(clause=draft.clauses.get(key="6.5"), section="S", text="Changed")
    published = publish(draft, by=alice, summary_of_changes="Clarified 6.5")
    se_policy.refresh_from_db()
    assert se_policy.status == VersionStatus.SUPERSEDED
    assert published.status == VersionStatus.PUBLISHED
    assert published.published_by == alice
    assert published.approved_by == "Full governing body"
    assert published.content_sha256 == content_sha256(list(published.clauses.all()))
    assert published.content_sha256 != se_policy.content_sha256


def test_a_new_version_needs_a_summary_and_a_review_date_after_approval(se_policy, alice):
    draft = draft_start(policy=se_policy.policy, by=alice)
    with pytest.raises(ValidationError, match="Say what changed"):
        publish(draft, by=alice, summary_of_changes="")
    with pytest.raises(ValidationError, match="review date must be after"):
        publish(draft, summary_of_changes="x", review_due=datetime.date(2026, 8, 1))
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_the_comparison_shows_added_removed_and_changed_clauses_with_changed_words(
    se_policy, alice
):
    draft = draft_start(policy=se_policy.policy, by=alice)
    old_65 = draft.clauses.get(key="6.5")
    clause_update(
        clause=old_65,
        section=old_65.section,
        text=old_65.text.replace("express permission", "written permission"),
    )
    clause_remove(clause=draft.clauses.get(key="6.6"))
    clause_add(
        version=draft, key="11.4", section="Breaches of Policy and Other Issues", text="New rule."
    )
    changes = compare(list(se_policy.clauses.all()), list(draft.clauses.all()))
    by_key = {c.key: c for c in changes}
    assert by_key["6.5"].change == Change.CHANGED
    assert "<del>express</del><ins>written</ins> permission" in by_key["6.5"].html
    assert by_key["6.6"].change == Change.REMOVED
    assert by_key["11.4"].change == Change.ADDED
    assert by_key["1.1"].change == Change.UNCHANGED
    order = [c.key for c in changes]
    assert order.index("6.5") < order.index("6.6") < order.index("6.7")  # removed where it stood


def test_the_word_diff_escapes_html():
    assert word_diff("a <b>", "a <i>") == "a <del>&lt;b&gt;</del><ins>&lt;i&gt;</ins>"
