import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people.models import Role
from policies.models import Clause, VersionStatus
from policies.services import clause_update, draft_start
from tests.factories import import_source, person, publish

LOGIN = "/accounts/login/"


@pytest.fixture
def people(st_elisabeths, alice, bob, charlie):
    return {
        "anonymous": None,
        "staff": bob,
        "governor": person(st_elisabeths, Role.GOVERNOR),
        "head": alice,
        "other school": charlie,
    }


@pytest.fixture
def draft(se_policy, alice):
    return draft_start(policy=se_policy.policy, by=alice)


READ = {"anonymous": LOGIN, "staff": 200, "governor": 200, "head": 200, "other school": 404}
EDIT = {"anonymous": LOGIN, "staff": 403, "governor": 403, "head": 200, "other school": 404}
DRAFT_READ = {"anonymous": LOGIN, "staff": 404, "governor": 404, "head": 200, "other school": 404}
ACT = {"anonymous": LOGIN, "staff": 403, "governor": 403, "head": 302, "other school": 404}
PAGES = [
    ("/policies/", {**READ, "other school": 200}),
    ("/policies/{p}/", READ),
    ("/policies/{p}/v1/", READ),
    ("/policies/{p}/v1/changes/", READ),
    ("/policies/{p}/v1/pdf/", READ),
    ("/policies/{p}/v1/text.txt", READ),
    ("/policies/{p}/v2/", DRAFT_READ),
    ("/policies/{p}/v2/changes/", DRAFT_READ),
    ("/policies/{p}/draft/", EDIT),
    ("/policies/{p}/draft/clauses/add/", EDIT),
    ("/policies/{p}/clauses/{c}/edit/", EDIT),
    ("/policies/{p}/draft/publish/", EDIT),
]
ACTIONS = [
    ("/policies/{p}/draft/start/", {}),
    ("/policies/{p}/clauses/{c}/move/", {"to": "up"}),
    ("/policies/{p}/clauses/{c}/remove/", {}),
    ("/policies/{p}/draft/discard/", {}),
]


def check(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("who", list(READ))
@pytest.mark.parametrize(("url", "expected"), PAGES, ids=[p for p, _ in PAGES])
def test_page_access_by_role(client, people, draft, who, url, expected):
    if people[who]:
        client.force_login(people[who])
    clause = draft.clauses.get(key="6.5")
    check(client.get(url.format(p=draft.policy_id, c=clause.pk)), expected[who])


@pytest.mark.parametrize("who", list(ACT))
@pytest.mark.parametrize(("url", "data"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_draft_actions_by_role(client, people, draft, who, url, data):
    if people[who]:
        client.force_login(people[who])
    clause = draft.clauses.get(key="6.5")
    check(client.post(url.format(p=draft.policy_id, c=clause.pk), data), ACT[who])


def test_another_schools_policy_is_not_listed(client, people, se_policy):
    client.force_login(people["other school"])
    assert "Social Media Policy" not in client.get("/policies/").text


def test_the_policy_reads_clause_by_clause_with_contents_and_permalinks(client, bob, se_policy):
    client.force_login(bob)
    html = client.get(f"/policies/{se_policy.policy_id}/").text
    assert 'id="clause-6-7"' in html
    assert 'href="#clause-6-7"' in html
    assert '<a href="#clause-1-1">Introduction</a>' in html
    assert (
        "Safeguarding and promoting the welfare of children is everyone’s responsibility." in html
    )
    assert html.count('class="clause ') == 64


def test_search_shows_only_matching_clauses_with_the_words_marked(client, bob, se_policy):
    client.force_login(bob)
    html = client.get(f"/policies/{se_policy.policy_id}/", {"q": "grooming"}).text
    assert "<mark>grooming</mark>" in html
    assert 'id="clause-6-8"' in html
    assert 'id="clause-1-1"' not in html
    assert "mention “grooming”" in html


def test_the_read_page_query_count_does_not_grow_with_clauses_or_versions(
    client, bob, alice, st_elisabeths
):
    # Expected: session, user, policy (with its membership and can-edit checks), every version
    # (the one read and the history), clauses = 5.
    small = publish(import_source("villiers-parents-code-of-conduct.md", school=st_elisabeths))
    large = publish(import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths))
    for _ in range(3):
        draft = draft_start(policy=large.policy, by=alice)
        publish(draft, summary_of_changes="Again")
    client.force_login(bob)
    counts = []
    for version in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/policies/{version.policy_id}/").status_code == 200
        counts.append(len(queries))
    assert counts == [5, 5]


def test_a_published_text_is_rendered_once_and_kept(client, bob, se_policy):
    # Expected, once the text is kept: the same queries but the clauses = 4.
    client.force_login(bob)
    first = client.get(f"/policies/{se_policy.policy_id}/").text
    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"/policies/{se_policy.policy_id}/").text
    assert len(queries) == 4
    article = slice(first.index("<article"), first.index("</article>"))
    assert again[article] == first[article] and first.count('class="clause ') == 64


def test_a_draft_is_read_as_it_stands_after_every_change(client, alice, draft):
    client.force_login(alice)
    url = f"/policies/{draft.policy_id}/v{draft.number}/"
    assert "Changed for the draft." not in client.get(url).text
    clause_update(clause=draft.clauses.get(key="6.7"), section="Use of social media",
                  text="Changed for the draft.", by=alice)  # fmt: skip
    assert "Changed for the draft." in client.get(url).text


def test_without_a_cache_the_policy_is_still_read(client, bob, se_policy, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    client.force_login(bob)
    html = client.get(f"/policies/{se_policy.policy_id}/").text
    assert html.count('class="clause ') == 64
    assert "The cache cannot be reached: policies is computed afresh" in caplog.text


def test_the_policy_list_query_count_does_not_grow_with_policies(client, bob, st_elisabeths):
    # Expected: session, user, policies, editable ids, versions, due-for-review = 6.
    client.force_login(bob)
    publish(import_source("villiers-parents-code-of-conduct.md", school=st_elisabeths))
    with CaptureQueriesContext(connection) as one:
        client.get("/policies/")
    publish(import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths))
    publish(import_source("villiers-staff-social-media.md", school=st_elisabeths, title="Other"))
    with CaptureQueriesContext(connection) as three:
        assert client.get("/policies/").text.count("<tr>") == 4
    assert len(one) == len(three) == 6


def test_editing_a_published_clause_is_refused_with_a_message(client, alice, se_policy):
    client.force_login(alice)
    clause = se_policy.clauses.get(key="6.5")
    response = client.post(
        f"/policies/{se_policy.policy_id}/clauses/{clause.pk}/edit/",
        {"section": "S", "text": "Rewritten"},
        follow=True,
    )
    assert "is published and can no longer be changed" in response.text
    assert Clause.objects.get(pk=clause.pk).text.startswith("Adults must not engage")


def test_the_head_edits_a_clause_and_a_bad_form_keeps_what_was_typed(client, alice, draft):
    client.force_login(alice)
    clause = draft.clauses.get(key="6.5")
    url = f"/policies/{draft.policy_id}/clauses/{clause.pk}/edit/"
    response = client.post(url, {"section": "", "text": "My new wording"})
    assert response.status_code == 200
    assert "This field is required" in response.text
    assert "My new wording" in response.text
    response = client.post(url, {"section": clause.section, "text": "My new wording"})
    assert response.status_code == 302
    assert response.url.endswith("/draft/#clause-6-5")
    clause.refresh_from_db()
    assert clause.text == "My new wording"


def test_publishing_through_the_page_supersedes_the_old_version(client, alice, draft):
    client.force_login(alice)
    clause = draft.clauses.get(key="6.5")
    client.post(
        f"/policies/{draft.policy_id}/clauses/{clause.pk}/edit/",
        {"section": clause.section, "text": "Changed wording."},
    )
    url = f"/policies/{draft.policy_id}/draft/publish/"
    page = client.get(url).text
    assert "<ins>Changed wording.</ins>" in page
    form = {
        "approved_by": "Full governing body",
        "approved_on": "2026-11-20",
        "review_due": "2027-11-20",
        "summary_of_changes": "",
    }
    refused = client.post(url, form)
    assert "Say what changed" in refused.text
    assert 'value="Full governing body"' in refused.text
    response = client.post(url, {**form, "summary_of_changes": "Clause 6.5 reworded"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert draft.policy.versions.get(number=1).status == VersionStatus.SUPERSEDED


def test_the_pdf_is_a_download_of_the_version(client, bob, se_policy):
    client.force_login(bob)
    response = client.get(f"/policies/{se_policy.policy_id}/v1/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")


def test_the_published_text_download_hashes_to_the_versions_sha256(client, bob, se_policy):
    import hashlib

    client.force_login(bob)
    response = client.get(f"/policies/{se_policy.policy_id}/v1/text.txt")
    assert response["Content-Disposition"].startswith("attachment;")
    assert hashlib.sha256(response.content).hexdigest() == se_policy.content_sha256


def test_a_trust_policy_is_read_in_every_school_of_the_trust_and_edited_by_its_owner(
    client, villiers, charlie, bob
):
    owner = person(villiers, Role.STAFF)
    version = publish(
        import_source(
            "villiers-parents-code-of-conduct.md", trust=villiers.trust, title="Trust code"
        )
    )
    version.policy.owner = owner
    version.policy.save()
    client.force_login(charlie)
    assert client.get(f"/policies/{version.policy_id}/").status_code == 200
    assert client.get(f"/policies/{version.policy_id}/draft/").status_code == 403
    client.force_login(owner)
    assert client.post(f"/policies/{version.policy_id}/draft/start/").status_code == 302
    client.force_login(bob)
    assert client.get(f"/policies/{version.policy_id}/").status_code == 404
