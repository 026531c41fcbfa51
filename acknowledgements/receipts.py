"""Receipt references, and the public check of a receipt against the sign-offs.

A receipt carries a sign-off's fingerprint (the SHA-256 of the version's published text, which
anyone can download) and a reference. The check says whether the two belong to one real
sign-off, and of which version, on which day: nothing its holder did not already have. The
reference is random (60 bits), so the check cannot be used to find sign-offs one has no
receipt for.
"""

import re
import secrets

from django.db import IntegrityError, transaction

from acknowledgements.models import ReceiptReference, SignOff

# Crockford's base 32: no I, L, O or U, so nothing on paper can be misread as something else.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
# What people type for the letters left out, read as what they must have meant.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-–—]+")
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalised_reference(typed: str) -> str | None:
    """The reference as stored, from what someone typed (any case, spaces or dashes), or None
    if it cannot be one."""
    reference = _SEPARATORS.sub("", typed).upper().translate(_LOOKALIKES)
    if len(reference) != LENGTH or any(c not in ALPHABET for c in reference):
        return None
    return reference


def normalised_fingerprint(typed: str) -> str | None:
    """A SHA-256 as 64 lower-case hex digits. PowerShell prints capitals and older certutil
    prints pairs with spaces between: both are accepted."""
    fingerprint = re.sub(r"\s+", "", typed).lower()
    return fingerprint if _FINGERPRINT.fullmatch(fingerprint) else None


def receipt_reference_for(signoff: SignOff) -> ReceiptReference:
    """The sign-off's reference, made the first time its receipt is shown.

    Made on demand rather than with the sign-off, so sign-offs recorded before references
    existed, or loaded in bulk (the demo, the benchmark), get one the same way; and it is a
    row of its own, so no sign-off is ever updated. Two first views at once: the primary key
    lets one insert through, and the other reads it.
    """
    existing = ReceiptReference.objects.filter(signoff=signoff).first()
    if existing:
        return existing
    for _ in range(3):  # a clash of 60 random bits is all but impossible; never loop forever
        try:
            with transaction.atomic():
                return ReceiptReference.objects.create(signoff=signoff, reference=new_reference())
        except IntegrityError:
            existing = ReceiptReference.objects.filter(signoff=signoff).first()
            if existing:
                return existing
    raise RuntimeError("Could not make a unique receipt reference")


def signoff_matching(*, reference: str, fingerprint: str) -> SignOff | None:
    """The sign-off with this receipt reference and this fingerprint, or None: a wrong
    reference and a right reference with a wrong fingerprint look the same (one query)."""
    found = (
        ReceiptReference.objects.filter(reference=reference, signoff__text_sha256=fingerprint)
        .select_related("signoff__version__policy__school", "signoff__version__policy__trust")
        .first()
    )
    return found.signoff if found else None
