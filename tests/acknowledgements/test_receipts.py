"""Receipts anyone can verify: the public text of a published version, and the check page."""

import hashlib

import pytest
from django.db import IntegrityError, transaction

from acknowledgements.models import ReceiptReference
from acknowledgements.receipts import (
    normalised_fingerprint,
    normalised_reference,
    receipt_reference_for,
)
from policies.services import draft_start
from tests.acknowledgements.test_signoff import new_version, sign
from tests.factories import import_source, publish

CHECK = "/public/receipts/check/"


def text_path(version, owner="st-elisabeths"):
    return f"/public/policies/{owner}/{version.policy_id}/v{version.number}/text.txt"


def test_anyone_downloads_the_exact_bytes_the_sign_off_hash_covers(client, bob, se_policy):
    signoff, _ = sign(bob, se_policy)
    response = client.get(text_path(se_policy))  # no one is signed in
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="st-elisabeths-policy-{se_policy.policy_id}-v1.txt"'
    )
    assert hashlib.sha256(response.content).hexdigest() == signoff.text_sha256
    # The same bytes as the signed-in download beside the version.
    client.force_login(bob)
    assert client.get(f"/policies/{se_policy.policy_id}/v1/text.txt").content == response.content


def test_a_superseded_version_stays_downloadable_for_its_old_receipts(client, alice, se_policy):
    new_version(se_policy, alice)
    response = client.get(text_path(se_policy))
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == se_policy.content_sha256


def test_a_trust_policy_is_under_the_trusts_address(client, villiers):
    version = publish(import_source("villiers-staff-social-media.md", trust=villiers.trust))
    assert version.public_text_path == text_path(version, owner="shine")
    assert client.get(text_path(version, owner="shine")).status_code == 200
    assert client.get(text_path(version, owner="villiers")).status_code == 404


@pytest.mark.parametrize(
    "case", ["draft", "no such version", "another school's address", "no such policy"]
)
def test_drafts_and_wrong_addresses_are_not_found(client, alice, se_policy, villiers, case):
    draft = draft_start(policy=se_policy.policy, by=alice)
    path = {
        "draft": text_path(draft),
        "no such version": text_path(se_policy).replace("/v1/", "/v9/"),
        "another school's address": text_path(se_policy, owner="villiers"),
        "no such policy": f"/public/policies/st-elisabeths/{se_policy.policy_id + 99}/v1/text.txt",
    }[case]
    assert client.get(path).status_code == 404


def test_a_receipt_reference_is_made_once_and_never_changes(bob, se_policy):
    signoff, _ = sign(bob, se_policy)
    first = receipt_reference_for(signoff)
    assert receipt_reference_for(signoff).reference == first.reference
    assert normalised_reference(first.reference) == first.reference
    assert len(first.display) == 14 and first.display.count("-") == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceiptReference.objects.filter(pk=first.pk).update(reference="0" * 12)


def test_references_are_random_not_sequential(alice, bob, se_policy):
    refs = {receipt_reference_for(sign(user, se_policy)[0]).reference for user in (alice, bob)}
    assert len(refs) == 2


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7kq2-m9xd-4tra", "7KQ2M9XD4TRA"),
        (" 7KQ2 M9XD 4TRA ", "7KQ2M9XD4TRA"),
        ("7KQ2-M9XD-4TRO", "7KQ2M9XD4TR0"),  # O is read as zero, I and L as one
        ("7KQ2-M9XD-4TR", None),
        ("7KQ2-M9XD-4TRAU", None),
        ("7KQ2-M9XD-4TR!", None),
    ],
)
def test_a_typed_reference_is_forgiven_its_case_and_spacing_only(typed, expected):
    assert normalised_reference(typed) == expected


def test_a_fingerprint_from_powershell_or_old_certutil_is_accepted():
    digest = hashlib.sha256(b"x").hexdigest()
    assert normalised_fingerprint(digest.upper()) == digest
    spaced = " ".join(digest[i : i + 2] for i in range(0, 64, 2))
    assert normalised_fingerprint(spaced) == digest
    assert normalised_fingerprint(digest[:-1]) is None
    assert normalised_fingerprint(digest[:-1] + "g") is None


@pytest.fixture
def receipt(bob, se_policy):
    signoff, _ = sign(bob, se_policy)
    return signoff, receipt_reference_for(signoff)


def test_the_check_says_which_version_was_signed_and_when_but_not_by_whom(client, receipt):
    signoff, reference = receipt
    response = client.post(
        CHECK, {"reference": reference.display.lower(), "fingerprint": signoff.text_sha256}
    )
    html = response.text
    assert "This receipt matches a sign-off" in html
    assert "Social Media Policy of St Elisabeth&#x27;s CE Primary School, version 1" in html
    assert f"made on {signoff.signed_at:%-d %B %Y}" in html
    assert "Bob" not in html and "bob@se.example" not in html
    assert text_path(signoff.version) in html


@pytest.mark.parametrize("wrong", ["reference", "fingerprint"])
def test_a_wrong_reference_or_fingerprint_gets_the_same_answer(client, receipt, alice, wrong):
    signoff, reference = receipt
    other = receipt_reference_for(sign(alice, signoff.version)[0])
    data = {"reference": reference.reference, "fingerprint": signoff.text_sha256}
    if wrong == "reference":
        data["reference"] = "0000-0000-0000"
    else:
        data["fingerprint"] = hashlib.sha256(b"another text").hexdigest()
    html = client.post(CHECK, data).text
    assert "This does not match any sign-off." in html
    assert "matches a sign-off" not in html
    assert other.reference not in html


def test_malformed_input_is_refused_saying_why_and_keeping_what_was_typed(client, receipt):
    response = client.post(CHECK, {"reference": "7KQ2-M9XD", "fingerprint": "abc123"})
    html = response.text
    assert response.status_code == 200
    assert "A receipt reference is 12 letters and digits" in html
    assert "A fingerprint is 64 characters" in html
    assert 'value="7KQ2-M9XD"' in html and 'value="abc123"' in html
    assert "does not match" not in html


def test_the_receipt_page_prints_the_public_addresses_and_commands(client, settings, receipt):
    settings.SITE_URL = "https://conduct.example"
    signoff, reference = receipt
    client.force_login(signoff.user)
    html = client.get(f"/acknowledgements/receipts/{signoff.pk}/").text
    filename = signoff.version.public_text_filename
    assert reference.display in html
    assert "https://conduct.example" + text_path(signoff.version) in html
    assert "https://conduct.example/public/receipts/check/" in html
    for command in (
        f"certutil -hashfile {filename} SHA256",
        f"(Get-FileHash -Algorithm SHA256 {filename}).Hash",
        f"shasum -a 256 {filename}",
        f"sha256sum {filename}",
    ):
        assert command in html
