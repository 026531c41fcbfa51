"""A case about an adult shows what they signed; the case manager's bundle has everything."""

import pytest

from allegations.selectors import signed_record
from incidents.models import AccessAction, CaseAccess
from policies.models import Clause
from tests.acknowledgements.test_signoff import new_version, sign
from tests.allegations.support import lado_consulted, may_meet, opened, report_about


def test_the_case_shows_the_version_they_last_signed_and_the_cited_clauses_as_signed(se, se_policy):
    signoff, _ = sign(se.teacher, se_policy)
    incident = report_about(se.teacher, se.school, se.governor, category="pupil_contact")
    # A later version changes 6.7; the teacher has not signed it, so 6.7 reads as they signed.
    new_version(se_policy, se.head, key="6.7", text="Rewritten after the teacher signed.")
    record = signed_record(incident)
    assert record.signoff == signoff
    keys = [clause.key for clause in record.clauses]
    assert keys == ["6.6", "6.7", "6.8", "6.9"]
    as_signed = Clause.objects.get(version=se_policy, key="6.7").text
    assert record.clauses[1].text == as_signed != "Rewritten after the teacher signed."


def test_someone_who_never_signed_is_said_so(se, se_policy):
    record = signed_record(report_about(se.teacher, se.school, se.governor))
    assert record.signoff is None and record.cited


@pytest.mark.parametrize("who", ["dsl", "teacher", "deputy_head"])
def test_only_the_case_manager_downloads_the_bundle(client, se, who):
    incident = report_about(se.teacher, se.school, se.governor)
    opened(incident)
    client.force_login(getattr(se, who))
    assert client.get(f"/allegations/{incident.pk}/bundle.pdf").status_code == 404


def test_the_bundle_is_a_pdf_and_its_download_is_in_the_access_log(client, se):
    incident = report_about(se.teacher, se.school, se.governor)
    lado_consulted(may_meet(opened(incident), se.head), se.head)
    client.force_login(se.head)
    response = client.get(f"/allegations/{incident.pk}/bundle.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"case-bundle-{incident.reference}.pdf" in response["Content-Disposition"]
    assert CaseAccess.objects.filter(
        incident=incident, user=se.head, action=AccessAction.DOWNLOAD, evidence=None
    ).exists()
