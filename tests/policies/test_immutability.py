"""A published version never changes: the service refuses, and so does the database."""

import pytest
from django.db import IntegrityError, transaction

from policies.models import Clause, PolicyVersion, VersionStatus
from policies.services import (
    VersionNotEditable,
    clause_add,
    clause_move,
    clause_remove,
    clause_update,
    draft_discard,
)


def refused_by_the_database(action):
    with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
        action()


def test_the_service_refuses_to_change_a_published_clause(se_policy):
    clause = se_policy.clauses.get(key="6.5")
    with pytest.raises(VersionNotEditable, match="can no longer be changed"):
        clause_update(clause=clause, section=clause.section, text="Anything goes.")
    for change in (
        lambda: clause_remove(clause=clause),
        lambda: clause_move(clause=clause, offset=1),
        lambda: clause_add(version=se_policy, section="New", text="New text"),
        lambda: draft_discard(version=se_policy),
    ):
        with pytest.raises(VersionNotEditable):
            change()
    clause.refresh_from_db()
    assert clause.text.startswith("Adults must not engage in conversations")


def test_the_database_refuses_to_rewrite_delete_or_add_clauses_of_a_published_version(se_policy):
    clauses = Clause.objects.filter(version=se_policy)
    refused_by_the_database(lambda: clauses.filter(key="6.5").update(text="Rewritten"))
    refused_by_the_database(lambda: clauses.filter(key="6.5").delete())
    refused_by_the_database(
        lambda: Clause.objects.create(
            version=se_policy, key="99.1", position=99, section="S", text="T"
        )
    )
    assert clauses.get(key="6.5").text.startswith("Adults must not engage")


def test_the_database_refuses_to_change_or_delete_a_published_version(se_policy):
    versions = PolicyVersion.objects.filter(pk=se_policy.pk)
    refused_by_the_database(lambda: versions.update(approved_by="Nobody"))
    refused_by_the_database(lambda: versions.update(content_sha256="0" * 64))
    refused_by_the_database(lambda: versions.update(status=VersionStatus.DRAFT))
    refused_by_the_database(lambda: versions.delete())
    assert versions.get().approved_by == "Full governing body"


def test_the_database_allows_only_published_to_superseded_and_no_way_back(se_policy):
    versions = PolicyVersion.objects.filter(pk=se_policy.pk)
    versions.update(status=VersionStatus.SUPERSEDED)
    refused_by_the_database(lambda: versions.update(status=VersionStatus.PUBLISHED))
    assert versions.get().status == VersionStatus.SUPERSEDED


def test_a_published_version_can_be_erased_only_inside_a_sanctioned_erasure(se_policy):
    from lib.immutability import erasure_permitted

    versions = PolicyVersion.objects.filter(pk=se_policy.pk)
    refused_by_the_database(lambda: versions.delete())
    with erasure_permitted():
        versions.delete()
    assert not versions.exists()
    assert not Clause.objects.filter(version_id=se_policy.pk).exists()


def test_erasure_permission_ends_with_its_transaction(se_policy):
    from lib.immutability import erasure_permitted

    with erasure_permitted():
        pass
    refused_by_the_database(lambda: PolicyVersion.objects.filter(pk=se_policy.pk).delete())
    refused_by_the_database(lambda: se_policy.clauses.update(text="x"))


def test_a_draft_can_still_be_changed_in_the_database(st_elisabeths):
    from tests.factories import import_source

    draft = import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths)
    Clause.objects.filter(version=draft, key="6.5").update(text="Changed in draft")
    assert draft.clauses.get(key="6.5").text == "Changed in draft"


def test_an_error_inside_an_erasure_leaves_no_permission_behind(se_policy):
    from lib.immutability import erasure_permitted

    with pytest.raises(ZeroDivisionError), erasure_permitted():
        1 / 0  # noqa: B018
    refused_by_the_database(lambda: PolicyVersion.objects.filter(pk=se_policy.pk).delete())
