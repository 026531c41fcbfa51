"""PDFs are parsed, and every object in them walked, to find what could run or open something.

The file is read with pikepdf (qpdf), which decodes what a byte search cannot see: names
written with escapes (`/J#61vaScript` is `/JavaScript`), objects packed inside compressed object
streams, actions reached through the catalogue, pages, annotations or the names tree. Nothing is
searched for in the raw bytes: a scanned page's image data contains `/JS` by chance, and a
Mac's `/AAPL:Keywords` is only metadata. A PDF is stored exactly as it was uploaded (rewriting
it would break a digital signature and change the evidence), so it must be clean as it is.
"""

import io

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

# A crafted file can hold millions of tiny objects; past this many the file is refused rather
# than tie up the web process. A 10 MB letter or scan has a few thousand.
MAX_NODES = 2_000_000

ADVICE = (
    "Open it, print it to a new PDF (“Save as PDF”) or take screenshots of it, and attach those."
)

# Dictionary keys that mean the file carries script or other files, wherever they appear
# (the names tree, an action, a form field).
KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/EmbeddedFiles": "an embedded file",
    "/EF": "an embedded file",
    "/XFA": "an XFA form",
    "/RichMediaContent": "embedded media",
}
# Action types (/S) that run code, start programs, send data or open other files.
ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "an action that starts a program",
    "/SubmitForm": "a form that sends data",
    "/ImportData": "an action that imports data",
    "/GoToR": "a link that opens another file",
    "/GoToE": "a link into an embedded file",
    "/Rendition": "a media action that can run script",
    "/RichMediaExecute": "embedded media",
    "/Movie": "embedded media",
    "/Sound": "embedded media",
}
# Annotation and object subtypes that play or attach something.
SUBTYPES = {
    "/FileAttachment": "an attached file",
    "/RichMedia": "embedded media",
    "/Screen": "embedded media",
    "/Movie": "embedded media",
    "/Sound": "embedded media",
    "/3D": "a 3D model, which can carry script",
}
# Actions that run by themselves (on opening the file, a page, a mouse-over) may only move the
# reader to a place in the document.
SAFE_AUTOMATIC = {"/GoTo"}


def pdf_refusal(data: bytes) -> str | None:
    """Why this PDF is refused, in words for the person who uploaded it; None if it is kept."""
    end = data.rfind(b"%%EOF")
    if end < 0:
        return (
            "the PDF is incomplete (it has no end): it may not have finished saving or "
            "downloading. Save it again and attach the new copy."
        )
    if data[end + len(b"%%EOF") :].strip(b" \t\r\n\f\x00"):
        return "something is hidden after the end of the PDF."
    try:
        with pikepdf.open(io.BytesIO(data)) as document:
            found = _active_content(document)
            missing = None if found else _page_with_missing_parts(document)
    except pikepdf.PasswordError:
        return (
            "it is protected by a password, so it cannot be checked. Save a copy without the "
            "password and attach that."
        )
    except Exception:  # any failure to parse hostile input is a refusal, whatever it is
        return "it starts like a PDF but cannot be read as one: it is damaged or not a PDF."
    if found:
        return f"the PDF contains {found}, which is not kept. {ADVICE}"
    if missing:
        return (
            f"the PDF is incomplete: page {missing} refers to parts the file does not have. "
            "Save it again and attach the new copy."
        )
    return None


def _page_with_missing_parts(document: pikepdf.Pdf) -> int | None:
    """The number of the first page whose content, images or fonts are missing from the file.

    qpdf rebuilds a damaged file from the objects it can find, so a file cut short (with an end
    marker put back) still opens; what was cut off then reads as null.
    """
    for number, page in enumerate(document.pages, start=1):
        contents = page.obj.get("/Contents")
        parts = list(contents) if isinstance(contents, Array) else [contents]
        if "/Contents" in page.obj and any(part is None for part in parts):
            return number
        resources = page.obj.get("/Resources")
        if not isinstance(resources, Dictionary):
            continue
        for kind in ("/XObject", "/Font"):
            named = resources.get(kind)
            if isinstance(named, Dictionary) and any(v is None for v in named.values()):
                return number
    return None


def _active_content(document: pikepdf.Pdf) -> str | None:
    """What active content the document holds, or None. Walks every indirect object (those in
    object streams included) and every dictionary and array nested in one."""
    form = document.Root.get("/AcroForm")
    if isinstance(form, Dictionary) and _has_fillable_fields(form.get("/Fields")):
        return "a fillable form"
    stack: list = [document.trailer, *document.objects]
    visited = 0
    while stack:
        node = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            return "more parts than can be checked"
        if isinstance(node, Dictionary | Stream):
            found = _dictionary_refusal(node)
            if found:
                return found
            children = node.values()
        elif isinstance(node, Array):
            children = list(node)
        else:
            continue
        for child in children:
            # An indirect object is one of document.objects and is walked as such: following
            # references here would walk shared objects again and loop on cycles.
            if isinstance(child, Dictionary | Stream | Array) and not child.is_indirect:
                stack.append(child)
    return None


def _dictionary_refusal(node: Dictionary | Stream) -> str | None:
    for key in node.keys():  # noqa: SIM118 - a pikepdf object, whose iteration differs
        if key in KEYS:
            return KEYS[key]
    if _name(node.get("/Type")) == "/EmbeddedFile":
        return "an embedded file"
    action = _name(node.get("/S"))
    if action in ACTIONS:
        return ACTIONS[action]
    if action == "/URI":
        target = str(node.get("/URI", "")).strip().lower()
        if target.startswith(("javascript:", "file:")):
            return "a link that runs script or opens a file"
    subtype = _name(node.get("/Subtype"))
    if subtype in SUBTYPES:
        return SUBTYPES[subtype]
    if "/OpenAction" in node and not _only_moves(node.get("/OpenAction"), destination_ok=True):
        return "an action that runs when the file is opened"
    if "/AA" in node:
        triggers = node.get("/AA")
        if not isinstance(triggers, Dictionary) or not all(
            _only_moves(action) for action in triggers.values()
        ):
            return "an action that runs by itself"
    return None


def _only_moves(action: object, *, destination_ok: bool = False) -> bool:
    """True for a destination (where the file opens) or a go-to action, which run nothing."""
    if destination_ok and isinstance(action, Array):
        return True
    return isinstance(action, Dictionary) and _name(action.get("/S")) in SAFE_AUTOMATIC


def _has_fillable_fields(fields: object, inherited: str | None = None, depth: int = 0) -> bool:
    """True if the form has a field other than a digital signature. A signed letter has a
    signature field and nothing to fill in; an empty /AcroForm is left behind by many tools."""
    if not isinstance(fields, Array):
        return False
    if depth > 32:
        return True  # nesting no real form has (or a cycle): treat it as a form
    for field in fields:
        if not isinstance(field, Dictionary):
            continue
        kind = _name(field.get("/FT")) or inherited  # a field's type is inherited by its kids
        kids = field.get("/Kids")
        if isinstance(kids, Array) and len(kids):
            if _has_fillable_fields(kids, kind, depth + 1):
                return True
        elif kind != "/Sig":
            return True
    return False


def _name(value: object) -> str | None:
    return str(value) if isinstance(value, Name) else None
