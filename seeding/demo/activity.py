"""Some activity for the demo, so every page has something to show: sign-offs, a declaration
and a request waiting for each Head, and a few reports in each school's queue. Made once: if
anything of the kind exists already, nothing is added."""

import datetime

from django.db import transaction
from django.utils import timezone

from acknowledgements.models import ApprovalKind, SignOff
from acknowledgements.services.approvals import approval_request_submit
from acknowledgements.services.declarations import declaration_submit
from acknowledgements.services.signoff import signoff_record
from incidents.models import Category, Incident, SubjectKind
from incidents.services import report_submit
from incidents.triage import case_acknowledge, case_note_add
from people.models import Role, School, User
from people.selectors import holders_of
from policies.models import Audience, PolicyVersion, VersionStatus

REPORTS = [
    (Category.CYBERBULLYING, SubjectKind.PARENT, "A parent", "Posts in the class Facebook group "
     "mocking a teaching assistant, with her photo."),
    (Category.PREVENT, SubjectKind.PUPIL, "A Year 6 pupil", "Shared a video from an extremist "
     "channel with classmates during lunch."),
    (Category.SOCIAL_MEDIA_MISUSE, SubjectKind.PARENT, "A parent", "A post naming a pupil and "
     "criticising the school's decision on a playground incident."),
]  # fmt: skip


@transaction.atomic
def seed_activity() -> int:
    """Returns how many things it made (0 when the demo already has activity)."""
    if SignOff.objects.exists() or Incident.objects.exists():
        return 0
    made = 0
    for school in School.objects.order_by("name"):
        staff = list(
            User.objects.filter(memberships__school=school, memberships__role=Role.STAFF)
            .distinct()
            .order_by("email")
        )
        versions = PolicyVersion.objects.filter(
            policy__school=school, status=VersionStatus.PUBLISHED, policy__audience=Audience.STAFF
        )
        for version in versions:
            for person in staff[: len(staff) * 2 // 3]:  # two in three have signed
                signoff_record(
                    user=person, version=version, text_sha256=version.content_sha256,
                    ip_address="127.0.0.1", user_agent="Demo data",
                )  # fmt: skip
                made += 1
        declaration_submit(
            user=staff[-1], school=school, pupil_name="Ella (demo)", class_or_year="Year 2",
            relationship="niece", social_media_contact=True, details="Family WhatsApp group",
        )  # fmt: skip
        approval_request_submit(
            user=staff[-2], school=school, kind=ApprovalKind.OFFICIAL_SITE,
            details="A Year 6 class blog for the residential trip.",
        )  # fmt: skip
        for category, kind, who, what in REPORTS:
            report = report_submit(
                reporter=staff[-3], school=school, category=category, subject_kind=kind,
                subject_description=who, description=what,
                happened_on=timezone.localdate() - datetime.timedelta(days=2),
                platform="Facebook",
            )  # fmt: skip
            made += 1
            if category == Category.SOCIAL_MEDIA_MISUSE:
                head = holders_of(Role.HEAD, school)[0]
                case_acknowledge(incident=report, by=head)
                case_note_add(incident=report, by=head, text="Spoke to the parent by phone.")
    return made
