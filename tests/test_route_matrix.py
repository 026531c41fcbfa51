"""Every route, requested as every role, with the outcome each should get.

The table is checked against Django's URL resolver: a new route without a row fails the suite,
and so does a row for a route that no longer exists. The columns include a colleague of the
person who owns each object and a teacher at the other school, so every row is also an IDOR
probe: other people's receipts, declarations, requests, reports and cases, and everything of
the other school, answer 404. Every POST is also sent with CSRF checks on, and refused.
"""

import datetime

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from acknowledgements.models import ApprovalKind
from acknowledgements.services.approvals import approval_request_submit
from acknowledgements.services.declarations import declaration_submit
from allegations.concerns import low_level_concern_raise
from people.models import Role, StaffImport
from policies.services import draft_start
from tests.acknowledgements.test_signoff import sign
from tests.factories import MembershipFactory, UserFactory, import_source, person, publish
from tests.reports import png, submit

ROLES = ["anonymous", "owner", "colleague", "head", "dsl", "governor", "chair", "trust_hr", "other"]
# Routes that are not the portal's own: the Django admin (support staff only, tested in
# tests/people/test_admin.py) and allauth's sign-in, password and two-factor pages.
OUTSIDE = ("admin/", "accounts/")

L = "login"
READ = "L 200 200 200 200 200 200 404 404"
EVERYONE = "L 200 200 200 200 200 200 200 200"
PUBLIC = "200 200 200 200 200 200 200 200 200"
EDIT = "L 403 403 200 403 403 403 404 404"
ACT = "L 403 403 302 403 403 403 404 404"
OWNER_ONLY = "L 200 404 404 404 404 404 404 404"
CASE = "L 404 404 200 200 404 404 404 404"
PEOPLE = "L 403 403 200 403 403 403 404 404"
PEOPLE_ACT = "L 403 403 302 403 403 403 404 404"

# name: (method, path with {placeholders}, expected outcome per role in ROLES order)
MATRIX = {
    "home": ("GET", "/", EVERYONE),
    "healthz": ("GET", "/healthz", "200 200 200 200 200 200 200 200 200"),
    "healthz_status": ("GET", "/healthz/status", "200 200 200 200 200 200 200 200 200"),
    "invitation_accept": ("GET", "/invitations/not-a-token/", "404 404 404 404 404 404 404 404 404"),
    # Printed on receipts, for anyone with no account (tests/acknowledgements/test_receipts.py).
    "public:policy_text": ("GET", "/public/policies/st-elisabeths/{policy}/v1/text.txt", PUBLIC),
    "public:receipt_check": ("GET", "/public/receipts/check/", PUBLIC),
    "policies:list": ("GET", "/policies/", EVERYONE),
    "policies:read": ("GET", "/policies/{policy}/", READ),
    "policies:version": ("GET", "/policies/{policy}/v1/", READ),
    "policies:changes": ("GET", "/policies/{policy}/v1/changes/", READ),
    "policies:pdf": ("GET", "/policies/{policy}/v1/pdf/", READ),
    "policies:text": ("GET", "/policies/{policy}/v1/text.txt", READ),
    "policies:draft": ("GET", "/policies/{policy}/draft/", EDIT),
    "policies:draft_start": ("POST", "/policies/{policy}/draft/start/", ACT),
    "policies:publish": ("GET", "/policies/{policy}/draft/publish/", EDIT),
    "policies:discard": ("POST", "/policies/{policy}/draft/discard/", ACT),
    "policies:clause_add": ("GET", "/policies/{policy}/draft/clauses/add/", EDIT),
    "policies:clause_edit": ("GET", "/policies/{policy}/clauses/{clause}/edit/", EDIT),
    "policies:clause_move": ("POST", "/policies/{policy}/clauses/{clause}/move/", ACT),
    "policies:clause_remove": ("POST", "/policies/{policy}/clauses/{clause}/remove/", ACT),
    "acknowledgements:sign": ("GET", "/acknowledgements/sign/{version}/", "L 302 200 200 200 200 200 404 404"),
    "acknowledgements:receipt": ("GET", "/acknowledgements/receipts/{receipt}/", OWNER_ONLY),
    "acknowledgements:receipt_pdf": ("GET", "/acknowledgements/receipts/{receipt}/pdf/", OWNER_ONLY),
    "acknowledgements:my_record": ("GET", "/acknowledgements/my-record/", EVERYONE),
    "acknowledgements:declaration_new": ("GET", "/acknowledgements/declarations/new/", "L 200 200 200 200 200 200 404 200"),
    "acknowledgements:declaration": ("GET", "/acknowledgements/declarations/{declaration}/", "L 200 404 200 404 404 404 404 404"),
    "acknowledgements:declaration_change": ("POST", "/acknowledgements/declarations/{declaration}/change/", OWNER_ONLY),
    "acknowledgements:declaration_decide": ("POST", "/acknowledgements/declarations/{declaration}/decide/", "L 404 404 200 404 404 404 404 404"),
    "acknowledgements:declaration_manage": ("POST", "/acknowledgements/declarations/{declaration}/manage/", "L 302 404 404 404 404 404 404 404"),
    "acknowledgements:request_new": ("GET", "/acknowledgements/requests/new/", "L 200 200 200 200 200 200 404 200"),
    "acknowledgements:request": ("GET", "/acknowledgements/requests/{request}/", "L 200 404 200 404 404 404 404 404"),
    "acknowledgements:head": ("GET", "/acknowledgements/head/", "L 403 403 200 403 403 403 403 403"),
    "incidents:report": ("GET", "/incidents/report/", EVERYONE),
    "incidents:report_recipients": ("GET", "/incidents/report/recipients/?category=breach", EVERYONE),
    "incidents:mine": ("GET", "/incidents/mine/", EVERYONE),
    "incidents:sent": ("GET", "/incidents/{case}/sent/", OWNER_ONLY),
    "incidents:queue": ("GET", "/incidents/queue/", "L 403 403 200 200 403 200 200 403"),
    "incidents:case": ("GET", "/incidents/{case}/", CASE),
    "incidents:evidence": ("GET", "/incidents/{case}/evidence/{evidence}/", CASE),
    "incidents:act": ("POST", "/incidents/{case}/act/acknowledge/", "L 404 404 302 302 404 404 404 404"),
    "incidents:trail": ("GET", "/incidents/{case}/trail/", "L 404 404 200 404 404 404 404 404"),
    "incidents:legal_hold": ("POST", "/incidents/{case}/trail/hold/", "L 404 404 302 404 404 404 404 404"),
    # Concerns about adults (tests/allegations): the allegation is about the owner, who never
    # sees it; its case manager is the Head, and the DSL reads it. An empty POST is a form
    # with errors, shown again (400).
    "allegations:index": ("GET", "/allegations/", EVERYONE),
    "allegations:concern_new": ("GET", "/allegations/concerns/new/", EVERYONE),
    "allegations:concern": ("GET", "/allegations/concerns/{concern}/", "L 404 404 200 404 404 404 404 404"),
    "allegations:record": ("GET", "/allegations/{allegation}/", "L 404 404 200 200 404 404 404 404"),
    "allegations:threshold": ("POST", "/allegations/{allegation}/threshold/", "L 404 404 400 404 404 404 404 404"),
    "allegations:lado": ("POST", "/allegations/{allegation}/lado/", "L 404 404 400 404 404 404 404 404"),
    "allegations:outcome": ("POST", "/allegations/{allegation}/outcome/", "L 404 404 400 404 404 404 404 404"),
    "allegations:bundle": ("GET", "/allegations/{allegation}/bundle.pdf", "L 404 404 200 404 404 404 404 404"),
    # The Data Protection Lead's pages (tests/audit has the lead's own access).
    "audit:log": ("GET", "/audit/", "L 403 403 403 403 403 403 403 403"),
    "audit:subject_access": ("GET", "/audit/people/{owner_id}/subject-access.json", "L 403 403 403 403 403 403 403 403"),
    "notifications:list": ("GET", "/notifications/", EVERYONE),
    "notifications:bell": ("GET", "/notifications/bell/", EVERYONE),
    "people:list": ("GET", "/people/st-elisabeths/", PEOPLE),
    "people:add": ("GET", "/people/st-elisabeths/add/", PEOPLE),
    "people:settings": ("GET", "/people/st-elisabeths/settings/", PEOPLE),
    "people:import": ("GET", "/people/st-elisabeths/import/", PEOPLE),
    "people:import_preview": ("GET", "/people/st-elisabeths/import/{staff_import}/", PEOPLE),
    "people:detail": ("GET", "/people/st-elisabeths/{owner_id}/", PEOPLE),
    "people:roles": ("POST", "/people/st-elisabeths/{owner_id}/roles/", PEOPLE_ACT),
    "people:leave": ("POST", "/people/st-elisabeths/{owner_id}/leave/", PEOPLE_ACT),
    "people:invite": ("POST", "/people/st-elisabeths/{owner_id}/invite/", PEOPLE_ACT),
    "signin:school": ("GET", "/sign-in/schools/st-elisabeths/", PEOPLE),
    "signin:trust": ("GET", "/sign-in/trusts/shine/", "L 404 404 404 404 404 404 200 403"),
    "governance:index": ("GET", "/governance/", "L 403 403 302 403 302 302 200 403"),
    "governance:school": ("GET", "/governance/schools/st-elisabeths/", "L 403 403 200 403 200 200 404 404"),
    "governance:school_csv": ("GET", "/governance/schools/st-elisabeths/figures.csv", "L 403 403 200 403 200 200 404 404"),
    "governance:school_pdf": ("GET", "/governance/schools/st-elisabeths/report.pdf", "L 403 403 200 403 200 200 404 404"),
    "governance:trust": ("GET", "/governance/trusts/shine/", "L 404 404 404 404 404 404 200 403"),
    "governance:trust_csv": ("GET", "/governance/trusts/shine/figures.csv", "L 404 404 404 404 404 404 200 403"),
    "governance:trust_pdf": ("GET", "/governance/trusts/shine/report.pdf", "L 404 404 404 404 404 404 200 403"),
}  # fmt: skip


def portal_routes() -> set[str]:
    def walk(patterns, prefix: str = "", namespace: str = ""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(OUTSIDE):
                continue
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                yield from walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                yield ":".join(filter(None, [namespace, pattern.name]))

    return set(walk(get_resolver().url_patterns))


def test_every_route_has_a_row_and_every_row_a_route():
    routes = portal_routes()
    assert sorted(routes - MATRIX.keys()) == [], "routes with no row in the matrix"
    assert sorted(MATRIX.keys() - routes) == [], "rows for routes that no longer exist"


@pytest.fixture
def world(st_elisabeths, villiers, alice, bob, charlie, django_capture_on_commit_callbacks):
    """St Elisabeth's with its policy, a draft, and one of everything owned by Bob (the owner)."""
    hr = UserFactory(email="hr@shine.example")
    MembershipFactory(user=hr, school=None, trust=villiers.trust, role=Role.TRUST_HR)
    people = {
        "owner": bob,
        "colleague": person(st_elisabeths, full_name="Colin Colleague"),
        "head": alice,
        "dsl": person(st_elisabeths, Role.STAFF, Role.DSL),
        "governor": person(st_elisabeths, Role.GOVERNOR),
        "chair": person(st_elisabeths, Role.CHAIR),
        "trust_hr": hr,
        "other": charlie,
    }
    version = publish(import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths))
    receipt, _ = sign(bob, version)
    draft = draft_start(policy=version.policy, by=alice)
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(bob, st_elisabeths, category="prevent", files=[png()])
    objects = {
        "policy": version.policy_id,
        "version": version.pk,
        "clause": draft.clauses.get(key="6.5").pk,
        "receipt": receipt.pk,
        "declaration": declaration_submit(
            user=bob, school=st_elisabeths, pupil_name="P", class_or_year="Y1", relationship="son"
        ).pk,
        "request": approval_request_submit(
            user=bob, school=st_elisabeths, kind=ApprovalKind.OFFICIAL_SITE, details="A blog"
        ).pk,
        "case": case.pk,
        "evidence": case.evidence.get().pk,
        "staff_import": StaffImport.objects.create(
            school=st_elisabeths,
            uploaded_by=alice,
            filename="s.csv",
            text="name,email,staff category,start date\nAnn,ann@se.example,teaching,01/09/2026\n",
        ).pk,
        "owner_id": bob.pk,
        "allegation": submit(
            people["colleague"], st_elisabeths, subject_kind="adult", subject_user=bob
        ).pk,
        "concern": low_level_concern_raise(
            raised_by=people["colleague"],
            school=st_elisabeths,
            subject=bob,
            happened_on=datetime.date(2026, 11, 2),
            what_happened="Over-familiar with a pupil",
        ).pk,
    }
    return people, objects


def outcome(response) -> str:
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        return L
    return str(response.status_code)


CASES = [(name, role) for name in MATRIX for role in ROLES]


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_route_as_role(client, world, name, role):
    people, objects = world
    method, path, expected_row = MATRIX[name]
    expected = dict(zip(ROLES, expected_row.replace("L", L).split(), strict=True))[role]
    if role != "anonymous":
        client.force_login(people[role])
    url = path.format(**objects)
    response = client.post(url) if method == "POST" else client.get(url)
    assert outcome(response) == expected


POSTS = [name for name, (method, _, _) in MATRIX.items() if method == "POST"]


@pytest.mark.parametrize("name", POSTS)
def test_every_post_is_refused_without_a_csrf_token(world, name):
    people, objects = world
    _, path, expected_row = MATRIX[name]
    ok = ("200", "302", "400")  # 400: a form with errors, shown again
    allowed = [r for r, e in zip(ROLES, expected_row.split(), strict=True) if e in ok]
    client = Client(enforce_csrf_checks=True)
    client.force_login(people[allowed[0]])
    assert client.post(path.format(**objects)).status_code == 403
