"""A gap in a school's source document is said, where it is: St Elisabeth's section 5."""

import hashlib
import re

import pytest

from policies.importer import PolicyFormatError, parse_policy
from policies.models import canonical_text
from policies.services import draft_start
from tests.factories import publish

NOTE = "Missing from this copy of the policy."
HEAD = "title: T\n\n# One\n\n## 1.1\nFirst.\n\n"


def test_the_st_elisabeths_source_marks_section_5_as_missing_before_6_1(se_policy):
    gaps = {c.key: c.gap_before for c in se_policy.clauses.all() if c.gap_before}
    assert list(gaps) == ["6.1"]
    assert gaps["6.1"].startswith("Section 5 is missing.")
    assert "the school's original policy is the reference" in gaps["6.1"]


def test_villiers_policy_has_no_gap(villiers_policy):
    assert not villiers_policy.clauses.filter(gap_before__isnull=False).exists()


def test_the_note_is_not_part_of_the_text_that_is_signed(client, se_policy):
    text = canonical_text(list(se_policy.clauses.all()))
    assert "Section 5 is missing" not in text
    assert hashlib.sha256(text.encode()).hexdigest() == se_policy.content_sha256


@pytest.mark.parametrize("page", ["read", "sign", "pdf source"])
def test_the_note_stands_between_4_2_and_section_6(client, bob, se_policy, page):
    client.force_login(bob)
    path = {
        "read": f"/policies/{se_policy.policy_id}/",
        "sign": f"/acknowledgements/sign/{se_policy.pk}/",
    }.get(page)
    if path is None:  # the PDF's HTML: render its template as the view does
        from django.template.loader import render_to_string

        html = render_to_string(
            "policies/pdf.html",
            {"policy": se_policy.policy, "version": se_policy, "clauses": se_policy.clauses.all()},
        )
    else:
        html = client.get(path).text
    note = html.index(NOTE)
    assert html.index("Adults, particularly those new to the school setting") < note  # 4.2
    assert note < html.index("Responsibilities when using social media</h2>")
    assert html.count(NOTE) == 1
    assert re.search(r"Section 5 is missing\. The copy of this policy", html)


def test_a_new_draft_keeps_the_note(alice, se_policy):
    draft = draft_start(policy=se_policy.policy, by=alice)
    assert draft.clauses.get(key="6.1").gap_before == se_policy.clauses.get(key="6.1").gap_before
    version = publish(draft, by=alice, summary_of_changes="Reviewed; no change.")
    assert version.clauses.filter(gap_before__isnull=False).count() == 1


def test_a_gap_inside_a_section_is_shown_before_its_clause(client, alice, st_elisabeths):
    from policies.services import policy_import

    text = HEAD + "## 1.2\nSecond.\n\n> gap: Clause 1.3 is missing.\n\n## 1.4\nFourth.\n"
    version = publish(policy_import(text=text, school=st_elisabeths))
    client.force_login(alice)
    html = client.get(f"/policies/{version.policy_id}/").text
    assert html.index('id="clause-1-2"') < html.index("Clause 1.3 is missing.")
    assert html.index("Clause 1.3 is missing.") < html.index('id="clause-1-4"')


def test_a_gap_note_is_parsed_onto_the_next_clause():
    parsed = parse_policy(HEAD + "> gap:   Section 2   is missing.\n\n# Three\n\n## 3.1\nThird.\n")
    assert [(c.key, c.gap_before) for c in parsed.clauses] == [
        ("1.1", ""),
        ("3.1", "Section 2 is missing."),
    ]
    assert parsed.clauses[0].text == "First."


@pytest.mark.parametrize(
    ("tail", "line", "message"),
    [
        ("> gap:\n\n## 1.2\nX.\n", 8, "say what is missing"),
        ("> gap: A.\n> gap: B.\n\n## 1.2\nX.\n", 9, "a second gap note"),
        ("> gap: A.\nStray text.\n", 9, "text after a gap note must start a clause"),
        ("> gap: A.\n", 8, "a gap note must come before a clause"),
    ],
)
def test_a_misplaced_gap_note_names_its_line(tail, line, message):
    with pytest.raises(PolicyFormatError) as error:
        parse_policy(HEAD + tail)
    assert error.value.line == line
    assert message in error.value.message
