import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.exceptions import ValidationError as Refused
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from acknowledgements.models import SignOff
from acknowledgements.selectors import outstanding_for
from acknowledgements.services.signoff import signoff_record
from audit.models import Action, AuditEvent
from people.selectors import memberships_for
from policies.services import clause_update, draft_start
from policies.text import clauses_changed
from tests.factories import MembershipFactory, UserFactory, import_source, publish


def sign(user, version, **overrides):
    details = {
        "text_sha256": version.content_sha256,
        "ip_address": "192.0.2.7",
        "user_agent": "Firefox",
    }
    return signoff_record(user=user, version=version, **{**details, **overrides})


def new_version(version, by, key="6.5", text="Adults must ask the Head of School in writing."):
    draft = draft_start(policy=version.policy, by=by)
    clause = draft.clauses.get(key=key)
    clause_update(clause=clause, section=clause.section, text=text)
    return publish(draft, by=by, summary_of_changes=f"Clause {key} changed")


def test_a_sign_off_keeps_who_what_when_the_hash_and_where_from(bob, se_policy):
    signoff, created = sign(bob, se_policy)
    assert created
    assert signoff.user == bob and signoff.version == se_policy
    assert signoff.text_sha256 == se_policy.content_sha256
    assert signoff.ip_address == "192.0.2.7" and signoff.user_agent == "Firefox"
    assert signoff.changed_clause_keys == []
    assert signoff.statement.startswith(
        "I confirm that I have read version 1 of the Social Media Policy"
    )
    assert "may be monitored by the Head of School" in signoff.statement  # §3.4


def test_signing_twice_makes_one_record(bob, se_policy):
    first, _ = sign(bob, se_policy)
    second, created = sign(bob, se_policy, ip_address="198.51.100.1")
    assert not created
    assert second == first
    assert SignOff.objects.filter(user=bob).count() == 1
    assert SignOff.objects.get().ip_address == "192.0.2.7"
    assert AuditEvent.objects.filter(action=Action.SIGNED_OFF, actor=bob).count() == 1


def test_a_repeat_after_the_version_is_replaced_still_returns_the_record(bob, alice, se_policy):
    # The first submit finds nothing to look up; a repeat that would now be refused (the
    # version replaced, or another text) is answered with the record it made.
    first, _ = sign(bob, se_policy)
    new_version(se_policy, alice)
    se_policy.refresh_from_db()
    again, created = sign(bob, se_policy, text_sha256="not what was shown")
    assert again == first and not created
    with pytest.raises(ValidationError, match="replaced by a newer version"):
        sign(alice, se_policy)


def test_a_sign_off_is_never_changed_or_deleted_by_the_code(bob, se_policy):
    signoff, _ = sign(bob, se_policy)
    signoff.user_agent = "Forged"
    with pytest.raises(Refused, match="never changed or deleted"):
        signoff.save()
    with pytest.raises(Refused, match="never changed or deleted"):
        signoff.delete()
    assert SignOff.objects.get().user_agent == "Firefox"


def test_the_database_refuses_to_change_or_delete_a_sign_off(bob, se_policy):
    sign(bob, se_policy)
    for change in (
        lambda: SignOff.objects.update(user_agent="Forged"),
        lambda: SignOff.objects.all().delete(),
    ):
        with pytest.raises(IntegrityError, match="evidence"), transaction.atomic():
            change()
    assert SignOff.objects.get().user_agent == "Firefox"


def test_the_database_allows_only_one_sign_off_per_person_per_version(bob, se_policy):
    sign(bob, se_policy)
    with pytest.raises(IntegrityError), transaction.atomic():
        SignOff.objects.bulk_create(
            [SignOff(user=bob, version=se_policy, text_sha256="x", statement="x")]
        )


@pytest.mark.parametrize(
    ("situation", "message"),
    [
        ("draft", "only a published version can be signed"),
        ("superseded", "has been replaced by a newer version"),
        ("other school", "does not apply to you"),
        ("wrong text", "not the published text"),
    ],
)
def test_signing_what_cannot_be_signed_is_refused_with_a_message(
    situation, message, alice, bob, charlie, se_policy, st_elisabeths
):
    user, version, text = bob, se_policy, se_policy.content_sha256
    if situation == "draft":
        version = draft_start(policy=se_policy.policy, by=alice)
        text = ""
    elif situation == "superseded":
        new_version(se_policy, alice)
        se_policy.refresh_from_db()
    elif situation == "other school":
        user = charlie
    elif situation == "wrong text":
        text = "0" * 64
    with pytest.raises(ValidationError, match=message):
        sign(user, version, text_sha256=text)
    assert not SignOff.objects.exists()


def test_a_re_sign_records_the_changed_clauses_shown(alice, bob, se_policy):
    sign(bob, se_policy)
    version_2 = new_version(se_policy, alice)
    signoff, _ = sign(bob, version_2)
    assert signoff.changed_clause_keys == ["6.5"]


def test_the_clauses_changed_between_two_published_versions_are_compared_once(alice, se_policy):
    version_2 = new_version(se_policy, alice)
    se_policy.refresh_from_db()
    assert clauses_changed(se_policy, version_2) == ["6.5"]
    with CaptureQueriesContext(connection) as queries:
        assert clauses_changed(se_policy, version_2) == ["6.5"]
    assert len(queries) == 0
    draft = draft_start(policy=se_policy.policy, by=alice)  # a draft's are never kept
    clause = draft.clauses.get(key="1.1")
    clause_update(clause=clause, section=clause.section, text="Changed in the draft.")
    assert clauses_changed(version_2, draft) == ["1.1"]


def test_outstanding_policies_and_their_deadlines(bob, se_policy, st_elisabeths):
    [item] = outstanding_for(bob, memberships_for(bob))
    assert item.version == se_policy
    published = se_policy.published_at.date()
    assert item.deadline == published + datetime.timedelta(days=st_elisabeths.signoff_days)
    sign(bob, se_policy)
    assert outstanding_for(bob, memberships_for(bob)) == []


def test_a_new_joiners_deadline_counts_from_their_start_date(se_policy, st_elisabeths):
    starts = se_policy.published_at.date() + datetime.timedelta(days=40)
    joiner = UserFactory()
    MembershipFactory(user=joiner, school=st_elisabeths, starts_on=starts)
    [item] = outstanding_for(joiner, list(joiner.memberships.select_related("school")))
    assert item.deadline == starts + datetime.timedelta(days=28)


def test_a_parents_code_is_published_but_not_signed_by_staff(bob, st_elisabeths):
    publish(import_source("villiers-parents-code-of-conduct.md", school=st_elisabeths))
    assert outstanding_for(bob, memberships_for(bob)) == []
