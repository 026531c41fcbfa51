"""Uploads under attack (property-based, with Hypothesis): every hostile file is refused or, for
an image, kept as its picture alone; nothing is left on disk, and a kept file is only ever sent
as an opaque download."""

import io

import pikepdf
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
from tests.incidents import made_files
from tests.incidents.made_files import String, letter
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


def refusal(data: bytes, name: str = "letter.pdf") -> str:
    result = check_one(upload(data, name, "application/pdf"))
    assert not isinstance(result, CheckedFile), "the file was kept"
    return str(result)


def stored_bytes(data: bytes, name: str = "screenshot.png") -> bytes:
    result = check_one(upload(data, name))
    assert isinstance(result, CheckedFile), str(result)
    return result.data


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
    | st.binary(min_size=1, max_size=2048)
)
def test_a_png_with_anything_after_its_end_is_kept_without_it(payload):
    # The picture is encoded again, so what followed its end is not stored.
    stored = stored_bytes(real_png() + payload)
    assert stored.endswith(b"IEND\xaeB`\x82")
    assert len(payload) < 8 or payload not in stored


def test_a_png_hiding_a_script_in_a_text_chunk_is_kept_without_the_chunk():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(document.cookie)</script>")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG", pnginfo=info)
    stored = stored_bytes(buffer.getvalue())
    assert b"<script>" not in stored and b"Comment" not in stored


def test_a_jpeg_with_a_web_page_in_its_comment_and_after_its_end_is_kept_as_the_picture_only():
    data = made_files.photo() + b"<html><script>alert(1)</script></html>"
    data = data.replace(b"taken at the school gate", b"<script>alert(1)</script>>>>")
    stored = stored_bytes(data, "photo.jpg")
    assert b"<script>" not in stored and b"<html>" not in stored
    assert stored.endswith(b"\xff\xd9")


def test_an_animated_png_is_refused_rather_than_kept_as_one_frame():
    buffer = io.BytesIO()
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "blue")]
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    assert "animated image" in refusal(buffer.getvalue(), "anim.png")


ADVICE = "print it to a new PDF (“Save as PDF”) or take screenshots of it"


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (letter(made_files.open_action_javascript), "JavaScript"),
        (made_files.name_escaped_javascript(), "JavaScript"),
        (made_files.javascript_in_object_stream(), "JavaScript"),
        (letter(made_files.page_additional_action), "an action that runs by itself"),
        (letter(made_files.names_tree_javascript), "JavaScript"),
        (
            letter(made_files.link_action("/Launch", F=String("C:\\Windows\\calc.exe"))),
            "an action that starts a program",
        ),
        (
            letter(made_files.link_action("/SubmitForm", F=String("https://evil.example/"))),
            "a form that sends data",
        ),
        (
            letter(made_files.link_action("/ImportData", F=String("x.fdf"))),
            "an action that imports data",
        ),
        (
            letter(made_files.link_action("/URI", URI=String("javascript:alert(1)"))),
            "a link that runs script",
        ),
        (letter(made_files.embedded_file), "an embedded file"),
        (letter(made_files.form_field("/Tx")), "a fillable form"),
        (letter(made_files.xfa_form), "an XFA form"),
    ],
    ids=[
        "OpenAction JavaScript",
        "name-escaped J#61vaScript",
        "JavaScript in a compressed object stream",
        "page additional action",
        "names tree JavaScript",
        "Launch",
        "SubmitForm",
        "ImportData",
        "javascript: link",
        "embedded file",
        "AcroForm text field",
        "XFA",
    ],
)
def test_a_pdf_with_active_content_is_refused_wherever_it_hides(data, found):
    message = refusal(data)
    assert f"the PDF contains {found}" in message
    assert ADVICE in message


def test_hidden_active_content_is_found_by_parsing_not_in_the_bytes():
    escaped = made_files.name_escaped_javascript()
    assert b"/JavaScript" not in escaped and b"/JS" not in escaped and b"/J#61vaScript" in escaped
    assert b"JavaScript" not in made_files.javascript_in_object_stream()


@pytest.mark.parametrize(
    "data",
    [
        letter(),
        letter(made_files.link_action("/URI", URI=String("https://facebook.example/post/1"))),
        letter(made_files.form_field("/Sig")),  # a digitally signed letter: nothing to fill in
        letter(lambda pdf: setattr(pdf.Root, "OpenAction", pikepdf.Array([pdf.pages[0].obj]))),
    ],
    ids=["plain letter", "web link", "signature field", "opens at page 1"],
)
def test_an_ordinary_pdf_with_links_a_signature_or_a_start_page_is_kept(data):
    assert stored_bytes(data, "letter.pdf") == data


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (made_files.scanned_pdf()[:2000], "the PDF is incomplete (it has no end)"),
        # Cut short, with an end marker put back: it opens, but its pages' images are gone.
        (made_files.scanned_pdf()[:4000] + b"\n%%EOF\n", "the PDF is incomplete: page 2 refers"),
        (letter()[:200] + b"\n%%EOF\n", "cannot be read as one: it is damaged or not a PDF"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n", "cannot be read as one"),
        (made_files.password_protected(), "it is protected by a password"),
    ],
    ids=["truncated", "cut and patched", "cut before its pages", "garbage", "password"],
)
def test_a_pdf_that_cannot_be_parsed_is_refused_with_the_reason(data, reason):
    assert reason in refusal(data)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(body=st.binary(min_size=0, max_size=2048))
def test_garbage_behind_a_pdf_header_is_refused_and_never_crashes_the_check(body):
    assert refused(b"%PDF-1.7\n" + body + b"\n%%EOF\n", "letter.pdf")


def test_a_pdf_with_something_after_its_end_is_refused():
    message = refusal(PDF_BYTES + b"<html><script>alert(1)</script></html>" * 40)
    assert "something is hidden after the end of the PDF" in message


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
    se, private_media, name, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(se.teacher, se.school, files=[png(name)])
    evidence = report.evidence.get()
    assert evidence.path.parent == private_media / "evidence"
    assert evidence.path.exists()
    assert "/" not in evidence.original_name and len(evidence.original_name) <= 200
    assert [p for p in private_media.rglob("*") if p.is_file()] == [evidence.path]


@pytest.mark.parametrize(
    "bad", [b"<html></html>", PNG_MAGIC + b"junk", PDF_BYTES.replace(b"/Type", b"/JavaScript/Type")]
)
def test_a_refused_file_leaves_nothing_on_disk_and_nothing_saved(se, private_media, bad):
    with pytest.raises(EvidenceRefused):
        submit(se.teacher, se.school, files=[png("fine.png"), upload(bad, "bad.png")])
    assert not Incident.objects.exists()
    assert not any(path.is_file() for path in private_media.rglob("*"))


def test_a_kept_file_is_only_ever_a_download_of_opaque_bytes(
    client, se, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(se.teacher, se.school, files=[png("<script>.png")])
    client.force_login(se.head)
    response = client.get(f"/incidents/{report.pk}/evidence/{report.evidence.get().pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
