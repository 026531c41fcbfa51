"""Files people really upload, and files an attacker would, made here with Pillow and pikepdf
so that no binary is committed and each test says what is in its file."""

import functools
import io
import random
import zlib
from collections.abc import Callable

import pikepdf
from django.core.files.uploadedfile import SimpleUploadedFile
from pikepdf import Array, Dictionary, Name, String
from PIL import Image, ImageCms, PngImagePlugin

GPS_IFD, ORIENTATION = 0x8825, 0x0112


def upload(data: bytes, name: str, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@functools.cache
def srgb_profile() -> bytes:
    # Made once: a new profile's header holds the second it was made, so two made a second
    # apart differ (the test comparing a kept file's profile with this one failed then).
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def phone_screenshot() -> bytes:
    """A phone screenshot: RGBA, a colour profile, 144 dpi, XMP saying "Screenshot"."""
    image = Image.linear_gradient("L").resize((390, 844)).convert("RGBA")
    image.putpixel((10, 10), (255, 0, 0, 128))
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta><exif:UserComment>Screenshot</exif:UserComment>")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info, icc_profile=srgb_profile(), dpi=(144, 144))
    return buffer.getvalue()


def photo(*, gps: bool = False, orientation: int | None = None, size=(64, 48)) -> bytes:
    """A camera JPEG, its left half red and right half blue, with what a phone writes in EXIF."""
    image = Image.new("RGB", size, (0, 0, 220))
    image.paste((220, 0, 0), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x010F] = "Google"  # Make
    exif[0x0110] = "Pixel 8"  # Model
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90, comment=b"taken at the school gate")
    return buffer.getvalue()


def motion_photo() -> bytes:
    """A Google/Samsung motion photo: the JPEG, then a short MP4 after the JPEG's end."""
    seeded = random.Random(8)  # noqa: S311 - seeded: the same file every run
    video = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + seeded.randbytes(4096)
    return photo() + video + b"\x00\x00\x00\x08mdat<html><script>alert(1)</script>"


# PDFs -------------------------------------------------------------------------------------


def _save(document: pikepdf.Pdf, **options) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer, **options)
    return buffer.getvalue()


def _page_with_text(document: pikepdf.Pdf, text: str = "Letter to parents") -> pikepdf.Page:
    page = document.add_blank_page(page_size=(595, 842))
    font = document.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    page.Resources = Dictionary(Font=Dictionary(F1=font))
    page.Contents = document.make_stream(f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET".encode())
    return page


def letter(change: Callable[[pikepdf.Pdf], None] | None = None, **save_options) -> bytes:
    """A one-page letter; `change` adds something to it before it is saved."""
    document = pikepdf.new()
    _page_with_text(document)
    if change:
        change(document)
    return _save(document, **save_options)


def mac_pdf() -> bytes:
    """A PDF as macOS Preview / Quartz writes it, with Apple's keywords in its Info."""

    def quartz(document: pikepdf.Pdf) -> None:
        document.docinfo["/Producer"] = String(
            "macOS Version 14.4 (Build 23E214) Quartz PDFContext"
        )
        document.docinfo["/Creator"] = String("Pages")
        document.docinfo["/AAPL:Keywords"] = Array([String("safeguarding"), String("JS")])
        document.docinfo["/Keywords"] = String("safeguarding, JS")

    return letter(quartz)


def scanned_pdf(pages: int = 3) -> bytes:
    """A multi-page scan: each page one image. Page 1 is a JPEG (DCT) scan; page 2 raw pixel
    data and page 3 a Flate stream, both of whose bytes happen to contain `/JS` and friends,
    as image data does by chance."""
    document = pikepdf.new()
    chance = random.Random(12)  # noqa: S311 - seeded, so every run makes the same file
    for number in range(pages):
        page = document.add_blank_page(page_size=(595, 842))
        width, height = 32, 32
        if number == 0:
            scan = io.BytesIO()
            Image.new("L", (width, height), 240).save(scan, "JPEG")
            data, filters, colour = scan.getvalue(), {"Filter": Name.DCTDecode}, Name.DeviceGray
        else:
            pixels = bytearray(chance.randbytes(width * height * 3))
            pixels[300:330] = b"/JS /JavaScript /OpenAction /AA"
            if number == 1:
                data, filters = bytes(pixels), {}
            else:
                # Random pixels do not compress: deflate stores them, marker bytes and all.
                data, filters = zlib.compress(bytes(pixels), 9), {"Filter": Name.FlateDecode}
            colour = Name.DeviceRGB
        image = pikepdf.Stream(
            document,
            data,
            Type=Name.XObject,
            Subtype=Name.Image,
            Width=width,
            Height=height,
            ColorSpace=colour,
            BitsPerComponent=8,
            **filters,
        )
        page.Resources = Dictionary(XObject=Dictionary(Im0=image))
        page.Contents = document.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    document.docinfo["/Producer"] = String("Canon iR-ADV C5535 PDF")
    # compress_streams=False keeps the raw page raw, so its bytes are in the file as they are.
    return _save(document, compress_streams=False)


def _javascript(code: str = "app.alert('hello')") -> Dictionary:
    return Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(code))


def open_action_javascript(document: pikepdf.Pdf) -> None:
    document.Root.OpenAction = document.make_indirect(_javascript())


def page_additional_action(document: pikepdf.Pdf) -> None:
    document.pages[0].obj.AA = Dictionary(O=_javascript())


def names_tree_javascript(document: pikepdf.Pdf) -> None:
    tree = Dictionary(Names=Array([String("init"), document.make_indirect(_javascript())]))
    document.Root.Names = Dictionary(JavaScript=tree)


def link_action(kind: str, **fields) -> Callable[[pikepdf.Pdf], None]:
    """A link on page 1 whose action is `kind` (/Launch, /SubmitForm, /ImportData, /URI…)."""

    def add(document: pikepdf.Pdf) -> None:
        action = Dictionary(S=Name(kind), **fields)
        link = Dictionary(
            Type=Name.Annot, Subtype=Name.Link, Rect=Array([72, 700, 300, 720]), A=action
        )
        document.pages[0].obj.Annots = document.make_indirect(Array([link]))

    return add


def embedded_file(document: pikepdf.Pdf) -> None:
    document.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(document, b"MZ\x90\x00")


def form_field(kind: str) -> Callable[[pikepdf.Pdf], None]:
    """An AcroForm with one field of type `kind` (/Tx a text box, /Sig a signature)."""

    def add(document: pikepdf.Pdf) -> None:
        field = document.make_indirect(
            Dictionary(
                FT=Name(kind),
                T=String("field1"),
                Type=Name.Annot,
                Subtype=Name.Widget,
                Rect=Array([72, 600, 300, 620]),
                P=document.pages[0].obj,
            )
        )
        document.pages[0].obj.Annots = Array([field])
        document.Root.AcroForm = Dictionary(Fields=Array([field]))

    return add


def xfa_form(document: pikepdf.Pdf) -> None:
    document.Root.AcroForm = Dictionary(
        Fields=Array([]), XFA=document.make_stream(b"<xdp:xdp>...</xdp:xdp>")
    )


def name_escaped_javascript() -> bytes:
    """/OpenAction << /S /JavaScript /JS (...) >> with every name written with #xx escapes, as
    a byte search for "/JavaScript", "/JS" or "/OpenAction" cannot see them."""
    data = letter(open_action_javascript, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    for plain, escaped in (
        (b"/OpenAction", b"/Open#41ction"),
        (b"/JavaScript", b"/J#61vaScript"),
        (b"/JS", b"/J#53"),
    ):
        data = data.replace(plain, escaped)
    return data


def javascript_in_object_stream() -> bytes:
    """The JavaScript action packed in a compressed object stream: not in the file's bytes."""
    return letter(open_action_javascript, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def password_protected() -> bytes:
    return letter(encryption=pikepdf.Encryption(user="secret", owner="secret2"))
