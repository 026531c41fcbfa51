"""Reports for tests: files to attach, a way to submit one, and two schools with every role filled
(fixtures `se` and `vi`). A pytest plugin (tests/conftest.py), so every test package has them."""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from incidents.models import Category, Incident, SubjectKind
from incidents.services import report_submit
from people.models import Role, School
from tests.factories import MembershipFactory, UserFactory, person


def png(name: str = "screenshot.png", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 30, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


# A whole one-page PDF, cross-reference table and all: evidence PDFs are parsed (pikepdf).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<<>>>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n178\n%%EOF\n"
)


def pdf(name: str = "letter.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def html_as_png(name: str = "totally-a-screenshot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"<!DOCTYPE html><html><script>alert(1)</script></html>", content_type="image/png"
    )


def submit(reporter, school: School, **changes) -> Incident:
    details = {
        "category": Category.BREACH,
        "subject_kind": SubjectKind.UNKNOWN,
        "description": "Posted a photo of a pupil on a personal account.",
        "happened_on": datetime.date(2026, 1, 5),
        **changes,
    }
    return report_submit(reporter=reporter, school=school, **details)


def trust_member(user, trust, role: str, **fields):
    return MembershipFactory(user=user, school=None, trust=trust, role=role, **fields)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Evidence written by a test goes to its own temporary folder."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def se(st_elisabeths, alice, bob) -> SimpleNamespace:
    """St Elisabeth's with every role the routing knows filled, each by a different person."""
    school = st_elisabeths
    return SimpleNamespace(
        school=school,
        head=alice,
        teacher=bob,
        deputy_head=person(school, Role.STAFF, Role.DEPUTY_HEAD, full_name="Dora Deputy"),
        dsl=person(school, Role.STAFF, Role.DSL, full_name="Sarah Lowe", email="dsl@se.example"),
        deputy_dsl=person(school, Role.STAFF, Role.DEPUTY_DSL, full_name="Dev Lal"),
        chair=person(school, Role.CHAIR, full_name="Catherine Fairley", email="chair@se.example"),
        governor=person(school, Role.GOVERNOR, full_name="Gareth Owusu"),
    )


@pytest.fixture
def vi(villiers, charlie) -> SimpleNamespace:
    """Villiers, a SHINE school: its own Head and DSL, and the trust's Head of HR and central staff."""
    school = villiers
    trust = school.trust
    hr = UserFactory(full_name="Hannah Rees", email="hr@shine.example")
    trust_member(hr, trust, Role.TRUST_HR, employed_centrally=True)
    technician = person(school, full_name="Ian Tran", email="it@shine.example")
    technician.memberships.update(employed_centrally=True)
    return SimpleNamespace(
        school=school,
        trust=trust,
        teacher=charlie,
        head=person(school, Role.STAFF, Role.HEAD, full_name="Victoria Reid"),
        dsl=person(school, Role.STAFF, Role.DSL, full_name="Nadia Shah"),
        chair=person(school, Role.CHAIR, full_name="Robert Ashby"),
        hr=hr,
        technician=technician,
    )
