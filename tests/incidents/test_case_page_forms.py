"""The case page's action forms: every control has its own id, and its own label."""

import re
from collections import Counter

from incidents.models import Category
from incidents.triage import case_acknowledge
from tests.reports import submit


def test_every_control_on_the_case_page_has_a_unique_id_and_a_label_for_it(client, se):
    # Cyberbullying: its case page has the support form too, the third with a "text" box.
    incident = submit(se.teacher, se.school, category=Category.CYBERBULLYING)
    case_acknowledge(incident=incident, by=se.head)
    client.force_login(se.head)
    page = client.get(f"/incidents/{incident.pk}/").text
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    controls = re.findall(
        r'<(?:textarea|select|input)\b(?![^>]*type="(?:hidden|submit)")[^>]*\sid="([^"]+)"', page
    )
    labelled = set(re.findall(r'<label[^>]*\sfor="([^"]+)"', page))
    assert {"note-text", "referral-text", "support-text"} <= set(controls)
    assert [control for control in controls if control not in labelled] == []
