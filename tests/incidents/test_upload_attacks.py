"""Uploads under attack (property-based, with Hypothesis): every hostile file is refused, nothing
is left on disk, and a kept file is only ever sent as an opaque download."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from incidents.evidence import (
    MAX_FILE_SIZE,
    MAX_FILES,
    CheckedFile,
    EvidenceRefused,
    check_all,
    check_one,
    clean_name,
)
from incidents.models import Incident
from tests.reports import PDF_BYTES, png, submit

PNG_MAGIC, JPEG_MAGIC = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"
NAMES = st.sampled_from(["screenshot.png", "photo.jpg", "letter.pdf", "a.PNG", "noextension"])
FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def upload(
    data: bytes, name: str = "screenshot.png", claimed: str = "image/png"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=claimed)


def refused(data: bytes, name: str = "screenshot.png") -> bool:
    return not isinstance(check_one(upload(data, name)), CheckedFile)


@FAST
@given(data=st.binary(min_size=1, max_size=4096), name=NAMES)
def test_random_bytes_are_refused_whatever_the_name(data, name):
    if data.startswith(b"%PDF-"):
        return  # a well-formed PDF is the one thing a random start could be
    assert refused(data, name)


@FAST
@given(tail=st.binary(min_size=0, max_size=2048), magic=st.sampled_from([PNG_MAGIC, JPEG_MAGIC]))
def test_the_right_magic_bytes_on_something_else_are_refused(tail, magic):
    assert refused(magic + tail)


def real_png() -> bytes:
    return png().read()


@FAST
@given(
    payload=st.sampled_from(
        [b"<html><script>alert(1)</script>", b"<svg onload=alert(1)>", b"anything"]
    )
)
def test_a_png_with_anything_after_its_end_is_refused(payload):
    assert refused(real_png() + payload)


def test_a_png_hiding_a_script_in_a_text_chunk_is_refused():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(document.cookie)</script>")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG", pnginfo=info)
    assert refused(buffer.getvalue())


@pytest.mark.parametrize(
    "active", [b"/JavaScript", b"/JS", b"/OpenAction", b"/Launch", b"/EmbeddedFile", b"/AA"]
)
def test_a_pdf_with_active_content_is_refused(active):
    polyglot = PDF_BYTES.replace(b"/Type/Catalog", b"/Type/Catalog" + active + b"(app.alert(1))")
    assert refused(polyglot, "letter.pdf")


def test_a_pdf_with_something_after_its_end_is_refused():
    assert refused(PDF_BYTES + b"<html><script>alert(1)</script></html>" * 40, "letter.pdf")


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<?xml version="1.0"?><svg/>',
        b"",
        "<html>caf\u00e9</html>".encode("utf-16"),
        b"GIF89a" + b"\x00" * 20,
        b"PK\x03\x04" + b"\x00" * 20,
    ],
    ids=["svg", "xml", "empty", "utf-16 html", "gif", "zip"],
)
def test_other_kinds_of_file_are_refused(data):
    assert refused(data)


def test_an_oversize_and_too_many_files_are_refused():
    assert refused(real_png() + b"\x00" * MAX_FILE_SIZE)
    with pytest.raises(EvidenceRefused, match=f"at most {MAX_FILES} files"):
        check_all([png(f"{n}.png") for n in range(MAX_FILES + 1)])


@FAST
@given(name=st.text(min_size=0, max_size=400))
def test_any_name_becomes_a_plain_file_name_of_at_most_200_characters(name):
    cleaned = clean_name(name)
    assert "/" not in cleaned and "\\" not in cleaned and '"' not in cleaned
    assert cleaned not in ("", ".", "..") or cleaned == "unnamed file"
    assert 0 < len(cleaned) <= 200


@pytest.mark.parametrize(
    "name",
    ["../../../etc/passwd.png", "..\\..\\boot.ini.png", "x" * 5000 + ".png", "\u202egnp.exe"],
)
def test_a_hostile_name_is_stored_under_a_random_name_inside_the_evidence_folder(
    se, private_media, name
):
    report = submit(se.teacher, se.school, files=[png(name)])
    evidence = report.evidence.get()
    assert evidence.path.parent == private_media / "evidence"
    assert evidence.path.exists()
    assert "/" not in evidence.original_name and len(evidence.original_name) <= 200
    assert list((private_media).rglob("*")) == [private_media / "evidence", evidence.path]


@pytest.mark.parametrize(
    "bad", [b"<html></html>", PNG_MAGIC + b"junk", PDF_BYTES.replace(b"/Type", b"/JavaScript/Type")]
)
def test_a_refused_file_leaves_nothing_on_disk_and_nothing_saved(se, private_media, bad):
    with pytest.raises(EvidenceRefused):
        submit(se.teacher, se.school, files=[png("fine.png"), upload(bad, "bad.png")])
    assert not Incident.objects.exists()
    assert not any(path.is_file() for path in private_media.rglob("*"))


def test_a_kept_file_is_only_ever_a_download_of_opaque_bytes(client, se):
    report = submit(se.teacher, se.school, files=[png("<script>.png")])
    client.force_login(se.head)
    response = client.get(f"/incidents/{report.pk}/evidence/{report.evidence.get().pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
