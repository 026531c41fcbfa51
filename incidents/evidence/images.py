"""Images are decoded and encoded again: what is stored is the picture and nothing else.

Decoding proves a file is a whole PNG or JPEG. Encoding the decoded pixels again means nothing
the original carried besides the picture is kept: no EXIF (a phone photo's GPS position, its
camera serial), no text chunks or comments, no video after a motion photo's JPEG, no web page
after a PNG's end. The picture is turned upright first, as the EXIF orientation said, since
that tag goes with the rest. Only the colour profile and resolution are carried over: they
change how the picture looks or prints, and say nothing about who took it.
"""

import io

from PIL import Image, ImageCms, ImageOps, JpegImagePlugin, UnidentifiedImageError

# Refuse images that would decode to a memory bomb (80 megapixels is beyond any phone camera).
MAX_IMAGE_PIXELS = 80_000_000
# What each accepted type may decode as: an Android "Ultra HDR" or a 3D camera's JPEG carries
# a second picture (MPF) and Pillow's JPEG reader opens it as MPO; its first picture is kept.
FORMATS = {"PNG": ("PNG",), "JPEG": ("JPEG", "MPO")}
DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    Image.DecompressionBombError,
)


class ImageRefused(Exception):
    """The image cannot be kept; the message says why, for the person who uploaded it."""


def reencode(data: bytes, label: str) -> bytes:
    """The picture in `data` (a PNG or a JPEG, as `label` says) written anew, upright and with
    no metadata; raises ImageRefused."""
    damaged = f"it starts like a {label} image but is damaged or not one."
    try:
        with Image.open(io.BytesIO(data), formats=[label]) as image:
            if image.format not in FORMATS[label]:
                raise ImageRefused(damaged)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageRefused(
                    f"the picture is {width} × {height} pixels; the limit is 80 megapixels."
                )
            image.verify()  # checks the PNG chunks' checksums, which decoding skips
        with Image.open(io.BytesIO(data), formats=[label]) as image:
            if label == "PNG" and getattr(image, "is_animated", False):
                raise ImageRefused(
                    "it is an animated image; attach a screenshot of what it shows instead."
                )
            image.load()  # a truncated file fails here
            options = _kept_options(image, label)
            upright = ImageOps.exif_transpose(image)
    except DECODE_ERRORS:
        raise ImageRefused(damaged) from None
    # exif_transpose copies the original's info (EXIF less its orientation, comments, XMP),
    # which Pillow would otherwise write out again: only what _kept_options chose is written.
    upright.info = {}
    out = io.BytesIO()
    try:
        upright.save(out, label, **options)
    except DECODE_ERRORS:
        raise ImageRefused(damaged) from None
    return out.getvalue()


def _kept_options(image: Image.Image, label: str) -> dict:
    options: dict = {}
    profile = image.info.get("icc_profile")
    if profile and _is_colour_profile(profile):
        options["icc_profile"] = profile
    dpi = image.info.get("dpi")
    if dpi:
        options["dpi"] = tuple(round(float(value)) for value in dpi)
    if label == "JPEG":
        # The original's quantisation tables and chroma subsampling: encoding a JPEG again
        # with its own settings loses as little of the picture as JPEG allows.
        quantization = getattr(image, "quantization", None)
        if quantization:
            options["qtables"] = quantization
        sampling = JpegImagePlugin.get_sampling(image)
        if sampling != -1:
            options["subsampling"] = sampling
    elif "transparency" in image.info:
        options["transparency"] = image.info["transparency"]
    return options


def _is_colour_profile(profile: bytes) -> bool:
    """A colour profile is kept only if it is one: otherwise it is a place to hide bytes."""
    try:
        ImageCms.ImageCmsProfile(io.BytesIO(profile))
    except (OSError, ImageCms.PyCMSError, TypeError, ValueError):
        return False
    return True
