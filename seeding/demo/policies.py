"""The two schools' real policies, loaded from policies/sources/ and published for the demo."""

import datetime
from pathlib import Path

from people.models import School
from policies.models import Policy
from policies.services import policy_import, version_publish

# The texts themselves are policies' own (policies/sources/): the demo publishes them.
SOURCES = Path(__file__).resolve().parents[2] / "policies" / "sources"
# (school slug, source file, approval date, review date). The seed texts carry no approval
# details, so the demo says so: approved by "Governing body (demo data)".
DEMO_POLICIES = [
    ("st-elisabeths", "st-elisabeths-staff-social-media.md", "2025-12-10", "2026-12-10"),
    ("villiers", "villiers-staff-social-media.md", "2026-03-02", "2027-03-02"),
    ("villiers", "villiers-parents-code-of-conduct.md", "2026-03-02", "2027-03-02"),
]


def seed_policies() -> int:
    """Import and publish each policy that is not yet in the portal; returns how many were."""
    created = 0
    for slug, filename, approved_on, review_due in DEMO_POLICIES:
        school = School.objects.get(slug=slug)
        text = (SOURCES / filename).read_text(encoding="utf-8")
        title = next(line[6:].strip() for line in text.splitlines() if line.startswith("title:"))
        if Policy.objects.filter(school=school, title=title).exists():
            continue
        version = policy_import(text=text, school=school)
        version_publish(
            version=version,
            by=None,
            approved_by="Governing body (demo data)",
            approved_on=datetime.date.fromisoformat(approved_on),
            review_due=datetime.date.fromisoformat(review_due),
        )
        created += 1
    return created
