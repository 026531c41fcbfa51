"""Evidence: checked by content, stored privately under random names, hashed, downloaded only
by the people a report went to."""

import hashlib
import io
import re
import stat
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from PIL import Image

from incidents import evidence as evidence_files
from incidents.evidence import MAX_FILE_SIZE, EvidenceRefused
from incidents.models import AccessAction, CaseAccess, Category, Evidence, Incident, SubjectKind
from tests.incidents import made_files
from tests.incidents.made_files import GPS_IFD, ORIENTATION, upload
from tests.incidents.test_reporting import form_data
from tests.reports import PDF_BYTES, html_as_png, jpeg, pdf, png, submit

LOGIN = "/accounts/login/"


def stored_files(root) -> list:
    """The files in the evidence folder (not what waits in .incoming for a commit)."""
    folder = root / "evidence"
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def any_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def kept(reporter, school, data: bytes, name: str, commit, **changes) -> Evidence:
    """Submit one file as a report and return its evidence, committed and in place."""
    with commit(execute=True):
        incident = submit(reporter, school, files=[upload(data, name)], **changes)
    return incident.evidence.get()


def test_a_screenshot_is_stored_privately_under_a_random_name_with_its_sha256(
    se, private_media, django_capture_on_commit_callbacks
):
    upload = png("abuse on facebook.png")
    content = upload.read()
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, category=Category.CYBERBULLYING, files=[upload])
    evidence = incident.evidence.get()
    assert evidence.original_name == "abuse on facebook.png"
    assert evidence.content_type == "image/png"
    (path,) = stored_files(private_media)
    assert path.name == evidence.stored_name
    assert "facebook" not in path.name and len(path.name) == 48
    stored = path.read_bytes()
    # The stored bytes are the picture encoded again: sha256 and size are of them, and
    # original_sha256 is of the upload as it arrived.
    assert evidence.size == len(stored)
    assert evidence.sha256 == hashlib.sha256(stored).hexdigest()
    assert evidence.original_sha256 == hashlib.sha256(content).hexdigest()
    assert same_pixels(stored, content)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def same_pixels(one: bytes, other: bytes) -> bool:
    with Image.open(io.BytesIO(one)) as a, Image.open(io.BytesIO(other)) as b:
        return a.size == b.size and a.mode == b.mode and a.tobytes() == b.tobytes()


def test_a_phone_screenshot_is_kept_pixel_for_pixel_with_its_colour_profile_only(
    se, django_capture_on_commit_callbacks
):
    original = made_files.phone_screenshot()
    evidence = kept(
        se.teacher, se.school, original, "IMG_0042.PNG", django_capture_on_commit_callbacks
    )
    stored = evidence.path.read_bytes()
    assert evidence.content_type == "image/png"
    assert same_pixels(stored, original)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.info["icc_profile"] == made_files.srgb_profile()
        assert round(image.info["dpi"][0]) == 144
        assert "XML:com.adobe.xmp" not in image.info
    assert b"Screenshot" not in stored


def test_a_motion_photo_is_kept_as_its_picture_without_the_video_after_it(
    se, django_capture_on_commit_callbacks
):
    original = made_files.motion_photo()
    evidence = kept(
        se.teacher, se.school, original, "PXL_20260105.MP.jpg", django_capture_on_commit_callbacks
    )
    stored = evidence.path.read_bytes()
    assert evidence.content_type == "image/jpeg"
    assert stored.endswith(b"\xff\xd9")
    assert b"ftyp" not in stored and b"<html" not in stored
    assert evidence.original_sha256 == hashlib.sha256(original).hexdigest() != evidence.sha256
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (64, 48)
        assert image.getpixel((5, 24))[0] > 180 and image.getpixel((60, 24))[2] > 180


def test_a_photo_with_its_gps_position_is_kept_without_any_exif_and_turned_upright(
    se, django_capture_on_commit_callbacks
):
    original = made_files.photo(gps=True, orientation=6)  # 6: turn 90° clockwise to view
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(GPS_IFD)  # the upload does say where it was taken
    evidence = kept(se.teacher, se.school, original, "gate.jpg", django_capture_on_commit_callbacks)
    stored = evidence.path.read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        exif = image.getexif()
        assert not exif.get_ifd(GPS_IFD) and ORIENTATION not in exif and len(exif) == 0
        assert "comment" not in image.info
        assert image.size == (48, 64)  # upright: the 64 × 48 picture turned a quarter
        assert image.getpixel((24, 5))[0] > 180  # the red half is now on top
    assert b"Pixel 8" not in stored and b"school gate" not in stored


def test_the_case_page_shows_both_hashes_of_a_photo_stored_without_its_metadata(
    client, se, django_capture_on_commit_callbacks
):
    evidence = kept(
        se.teacher,
        se.school,
        made_files.photo(gps=True),
        "gate.jpg",
        django_capture_on_commit_callbacks,
    )
    client.force_login(recipient_of(evidence.incident))
    html = client.get(f"/incidents/{evidence.incident_id}/").text
    assert evidence.sha256 in html
    assert f'SHA-256 <code class="text-break font-monospace">{evidence.original_sha256}' in html
    assert "As uploaded, before its metadata was removed" in html


def test_a_pdf_made_on_a_mac_is_kept_exactly_as_uploaded(se, django_capture_on_commit_callbacks):
    original = made_files.mac_pdf()
    assert b"/AAPL:Keywords" in original
    evidence = kept(
        se.teacher, se.school, original, "minutes.pdf", django_capture_on_commit_callbacks
    )
    assert evidence.content_type == "application/pdf"
    assert evidence.path.read_bytes() == original
    assert evidence.sha256 == evidence.original_sha256 == hashlib.sha256(original).hexdigest()


def test_a_scanned_pdf_whose_image_bytes_contain_js_by_chance_is_kept(
    se, django_capture_on_commit_callbacks
):
    original = made_files.scanned_pdf(pages=3)
    # Both the raw and the compressed page carry the bytes a byte search refused.
    assert original.count(b"/JS /JavaScript /OpenAction") == 2
    evidence = kept(se.teacher, se.school, original, "scan.pdf", django_capture_on_commit_callbacks)
    assert evidence.path.read_bytes() == original


def test_the_type_comes_from_the_content_not_the_name_or_the_browsers_claim(se):
    disguised_png = png("letter.pdf")
    disguised_png.content_type = "application/pdf"
    incident = submit(se.teacher, se.school, files=[disguised_png, jpeg("scan.png"), pdf("x.jpg")])
    assert [e.content_type for e in incident.evidence.all()] == [
        "image/png",
        "image/jpeg",
        "application/pdf",
    ]


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (html_as_png(), "its content is a web page (HTML), whatever its name says"),
        (SimpleUploadedFile("anim.gif", b"GIF89a" + b"\0" * 40), "its content is a GIF image"),
        (SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\nnot really"), "damaged or not one"),
        (SimpleUploadedFile("cut.jpg", jpeg().read()[:60]), "damaged or not one"),
        (SimpleUploadedFile("empty.pdf", b""), "the file is empty"),
        (SimpleUploadedFile("notes.txt", b"just some words"), "only PNG, JPEG or PDF files"),
    ],
)
def test_a_file_that_is_not_a_whole_png_jpeg_or_pdf_is_refused(se, private_media, upload, reason):
    with pytest.raises(EvidenceRefused) as refused:
        submit(se.teacher, se.school, files=[png(), upload])
    (message,) = refused.value.messages
    assert message.startswith(f"“{upload.name}” was not accepted:")
    assert reason in message
    assert not Incident.objects.exists()
    assert stored_files(private_media) == []


def test_more_than_ten_files_are_refused(se):
    with pytest.raises(EvidenceRefused, match="at most 10 files"):
        submit(se.teacher, se.school, files=[png(f"{n}.png") for n in range(11)])


def test_a_file_over_ten_megabytes_is_refused(se):
    big = SimpleUploadedFile("huge.pdf", PDF_BYTES + b"\0" * MAX_FILE_SIZE)
    with pytest.raises(
        EvidenceRefused, match=re.escape("“huge.pdf” was not accepted: it is 10.0 MB")
    ):
        submit(se.teacher, se.school, files=[big])


def test_an_upload_over_ten_megabytes_is_cut_off_and_named(client, se, private_media):
    client.force_login(se.teacher)
    big = SimpleUploadedFile("video-capture.pdf", PDF_BYTES + b"\0" * MAX_FILE_SIZE)
    response = client.post("/incidents/report/", {**form_data(), "evidence": [big, png("ok.png")]})
    assert response.status_code == 200
    assert "“video-capture.pdf” was not accepted: it is larger than 10 MB." in response.text
    assert "attach this file again: ok.png" in response.text
    assert not Incident.objects.exists()


def test_an_html_file_renamed_png_is_refused_naming_it_and_the_rest_is_kept(
    client, se, private_media
):
    client.force_login(se.teacher)
    response = client.post(
        "/incidents/report/",
        {**form_data(), "evidence": [png("real.png"), html_as_png("fake.png"), pdf("letter.pdf")]},
    )
    html = response.text
    assert response.status_code == 200
    assert "“fake.png” was not accepted: only PNG, JPEG or PDF files are kept" in html
    assert "its content is a web page (HTML), whatever its name says" in html
    assert "attach these files again: real.png, letter.pdf" in html
    # What was typed is kept, escaped (Django writes &#x27;, Jinja2 &#39;: the same text).
    assert "Abusive comments about me on the class parents' group." in unescape(html)
    assert 'value="https://facebook.example/groups/y4-parents/posts/1"' in html
    assert 'value="cyberbullying" checked' in html
    assert not Incident.objects.exists()
    assert stored_files(private_media) == []


@pytest.mark.parametrize("step", ["route", "audit_record"])
def test_files_written_for_a_report_that_then_fails_are_removed(
    se, private_media, monkeypatch, step
):
    def broken(**kwargs):
        raise RuntimeError(f"{step} broke")

    monkeypatch.setattr(f"incidents.services.{step}", broken)
    with pytest.raises(RuntimeError):
        submit(se.teacher, se.school, files=[png(), pdf()])
    assert any_files(private_media) == []
    assert not Incident.objects.exists()


def test_indecent_images_accept_no_file_at_all_in_the_service(se, private_media):
    with pytest.raises(EvidenceRefused, match="nothing may be attached"):
        submit(se.teacher, se.school, category=Category.INDECENT_IMAGES, files=[pdf()])
    assert not Incident.objects.exists()
    assert stored_files(private_media) == []


def test_indecent_images_refuse_any_file_in_the_form_with_the_guidance(client, se, private_media):
    client.force_login(se.teacher)
    response = client.post(
        "/incidents/report/",
        {**form_data(category=Category.INDECENT_IMAGES), "evidence": [png("phone.png")]},
    )
    html = response.text
    assert "“phone.png” was not accepted." in html
    assert "it is an offence to save, copy, send or show indecent images of children" in html
    assert "Secure the device as it is" in html
    assert not Incident.objects.exists()
    assert stored_files(private_media) == []


def test_an_indecent_images_report_alerts_the_head_and_the_dsl_urgently(
    client, se, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(se.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/incidents/report/",
            form_data(category=Category.INDECENT_IMAGES, subject_kind=SubjectKind.UNKNOWN),
            follow=True,
        )
    assert "Secure the device as it is" in response.text
    assert "police are to be contacted immediately" in response.text
    incident = Incident.objects.get()
    assert incident.urgent
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@se.example", "dsl@se.example"]
    assert all(m.subject.startswith("Urgent:") for m in mailoutbox)


@pytest.fixture
def case_with_file(se, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(
            se.teacher,
            se.school,
            category=Category.BREACH,
            subject_kind=SubjectKind.ADULT,
            subject_user=se.deputy_head,
            files=[png("evidence.png")],
        )
    return incident, incident.evidence.get()


def recipient_of(incident: Incident):
    """Whoever the routing sent the case to (incidents/routing.py decides; not this test)."""
    return incident.routing_decisions.exclude(recipient=None).first().recipient


DOWNLOAD = {
    "anonymous": LOGIN,
    "recipient": 200,
    "reporter": 404,
    "subject": 404,
    "dsl": 404,
    "other school": 404,
}


@pytest.mark.parametrize(("who", "expected"), DOWNLOAD.items())
def test_evidence_download_by_role(client, se, vi, case_with_file, who, expected):
    incident, evidence = case_with_file
    people = {
        "anonymous": None,
        "recipient": recipient_of(incident),
        "reporter": se.teacher,
        "subject": se.deputy_head,
        "dsl": se.dsl,
        "other school": vi.head,
    }
    if people[who]:
        client.force_login(people[who])
    response = client.get(f"/incidents/{incident.pk}/evidence/{evidence.pk}/")
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    else:
        assert response.status_code == expected


def test_a_download_is_an_attachment_of_opaque_bytes_and_is_recorded(client, se, case_with_file):
    incident, evidence = case_with_file
    recipient = recipient_of(incident)
    client.force_login(recipient)
    response = client.get(f"/incidents/{incident.pk}/evidence/{evidence.pk}/")
    assert response["Content-Disposition"] == 'attachment; filename="evidence.png"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == evidence.sha256
    access = CaseAccess.objects.get(action=AccessAction.DOWNLOAD)
    assert (access.user, access.incident, access.evidence) == (recipient, incident, evidence)


def test_evidence_of_another_report_cannot_be_reached_through_a_report_one_may_see(
    client, se, case_with_file
):
    _, evidence = case_with_file
    other = submit(se.teacher, se.school, category=Category.BREACH)
    client.force_login(se.head)
    assert client.get(f"/incidents/{other.pk}/evidence/{evidence.pk}/").status_code == 404


def test_stored_evidence_is_not_served_at_any_address(client, se, case_with_file, settings):
    _, evidence = case_with_file
    client.force_login(se.head)
    for url in (
        f"/private_media/evidence/{evidence.stored_name}",
        f"/static/evidence/{evidence.stored_name}",
        f"/media/evidence/{evidence.stored_name}",
    ):
        assert client.get(url).status_code == 404
    root = settings.BASE_DIR / "private_media"
    assert root not in (settings.STATIC_ROOT, *settings.STATICFILES_DIRS)


def test_the_database_refuses_to_change_or_delete_evidence(case_with_file):
    _, evidence = case_with_file
    rows = Evidence.objects.filter(pk=evidence.pk)
    for change in (lambda: rows.update(sha256="0" * 64), lambda: rows.delete()):
        with (
            pytest.raises(IntegrityError, match="cannot be changed or deleted"),
            transaction.atomic(),
        ):
            change()
    assert rows.get().sha256 == evidence.sha256


def test_a_refused_name_is_made_safe_to_show():
    assert evidence_files.clean_name('C:\\Users\\me\\"<b>x</b>".png') == "b.png"
    assert evidence_files.clean_name("../../etc/passwd") == "passwd"
    assert evidence_files.clean_name("") == "unnamed file"
