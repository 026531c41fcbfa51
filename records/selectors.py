"""The Data Protection Lead's reads: the audit log of their schools, and everything held about
one person (subject access)."""

from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from acknowledgements.models import ApprovalRequest, Declaration, SignOff
from allegations.models import LowLevelConcern
from audit.models import AuditEvent
from incidents.models import Incident
from notifications.models import Notification
from people.models import Membership, School, User


def _labels(queryset: QuerySet, label: str) -> QuerySet:
    """`audit_record`'s name for each record of the queryset ("incidents.Incident 5")."""
    return queryset.annotate(
        label=Concat(Value(label + " "), Cast("pk", output_field=CharField()))
    ).values("label")


def events_for(
    schools: list[School], *, action: str = "", person: str = "", viewer: User | None = None
) -> QuerySet[AuditEvent]:
    """Events at the schools, and the sign-ins of their people, newest first. Never, to the
    viewer, the events of a report or a concern about the viewer: a lead who is the subject
    of one learns from the log no more than from the case itself (that it exists)."""
    people = Membership.objects.filter(school__in=schools).values("user_id")
    events = AuditEvent.objects.filter(
        Q(school__in=schools) | Q(school__isnull=True, actor__in=people)
    )
    if viewer is not None:
        events = events.exclude(
            record__in=_labels(Incident.objects.filter(subject_user=viewer), "incidents.Incident")
        ).exclude(
            record__in=_labels(
                LowLevelConcern.objects.filter(subject=viewer), LowLevelConcern._meta.label
            )
        )
    if action:
        events = events.filter(action=action)
    if person:
        events = events.filter(
            Q(actor__email__icontains=person) | Q(actor__full_name__icontains=person)
        )
    return events.select_related("actor", "school").order_by("-at", "-pk")


def people_of(schools: list[School], find: str) -> list[User]:
    """People who have (or had) a role at the schools, by name or e-mail: at most 20."""
    return list(
        User.objects.filter(memberships__school__in=schools)
        .filter(Q(full_name__icontains=find) | Q(email__icontains=find))
        .distinct()
        .order_by("full_name")[:20]
    )


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


def subject_access(person: User, schools: list[School]) -> dict:
    """Everything the portal holds about a person at these schools (the lead's: a school's
    lead answers for its own records, never for what another school holds about the same
    person), for a subject access request (UK GDPR Art. 15). Reports about them are listed by
    reference, category, date and status: their content is for the Data Protection Lead to
    release after weighing the exemptions."""
    trusts = {school.trust_id for school in schools if school.trust_id}
    here = Q(school__in=schools) | Q(trust__in=trusts)
    policies_here = Q(version__policy__school__in=schools) | Q(version__policy__trust__in=trusts)
    return {
        "person": {
            "name": person.full_name,
            "email": person.email,
            "account created": _when(person.date_joined),
            "last sign-in": _when(person.last_login),
        },
        "roles": [
            {
                "place": str(m.school or m.trust),
                "role": m.role_title,
                "staff category": m.get_staff_category_display(),
                "employed centrally": m.employed_centrally,
                "from": str(m.starts_on),
                "until": str(m.ends_on) if m.ends_on else None,
            }
            for m in person.memberships.filter(here)
            .select_related("school", "trust")
            .order_by("starts_on")
        ],
        "policies signed": [
            {
                "policy": s.version.policy.title,
                "version": s.version.number,
                "signed at": _when(s.signed_at),
                "sha256 of the text": s.text_sha256,
                "confirmation": s.statement,
                "changed clauses shown": s.changed_clause_keys,
                "ip address": s.ip_address,
                "browser": s.user_agent,
            }
            for s in SignOff.objects.filter(policies_here, user=person).select_related(
                "version__policy"
            )
        ],
        "declarations": [
            {
                "school": str(d.school),
                "pupil": d.pupil_name,
                "class or year": d.class_or_year,
                "relationship": d.relationship,
                "in contact through social media": d.social_media_contact,
                "details": d.details,
                "status": d.get_status_display(),
                "declared at": _when(d.created_at),
                "discussed on": str(d.discussed_on) if d.discussed_on else None,
                "agreed protocol": d.agreed_protocol,
            }
            for d in Declaration.objects.filter(user=person, school__in=schools).select_related(
                "school"
            )
        ],
        "approval requests": [
            {
                "school": str(r.school),
                "about": r.get_kind_display(),
                "details": r.details,
                "status": r.status_label,
                "asked at": _when(r.created_at),
                "reason": r.reason,
                "expires on": str(r.expires_on) if r.expires_on else None,
            }
            for r in ApprovalRequest.objects.filter(user=person, school__in=schools).select_related(
                "school"
            )
        ],
        "reports made": [
            {
                "reference": i.reference,
                "school": str(i.school),
                "category": i.get_category_display(),
                "made at": _when(i.created_at),
                "status": i.get_status_display(),
                "what happened": i.description,
                "platform": i.platform,
                "address of the content": i.content_address,
                "files": [f"{e.original_name} (SHA-256 {e.sha256})" for e in i.evidence.all()],
            }
            for i in Incident.objects.filter(reporter=person, school__in=schools)
            .select_related("school")
            .prefetch_related("evidence")
        ],
        "reports about them": [
            {
                "reference": i.reference,
                "school": str(i.school),
                "category": i.get_category_display(),
                "made at": _when(i.created_at),
                "status": i.get_status_display(),
            }
            for i in Incident.objects.filter(
                subject_user=person, school__in=schools
            ).select_related("school")
        ],
        "notifications": [
            {"what": n.title, "channel": n.get_channel_display(), "at": _when(n.created_at)}
            for n in Notification.objects.filter(
                Q(incident__isnull=True) | Q(incident__school__in=schools), recipient=person
            )
        ],
        "their actions in the audit log": [
            {"at": _when(e.at), "action": e.get_action_display(), "ip address": e.ip_address}
            for e in AuditEvent.objects.filter(
                Q(school__in=schools) | Q(school__isnull=True), actor=person
            ).order_by("at")
        ],
    }
