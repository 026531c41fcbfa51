"""The real policies enter through the importer, every clause, word for word."""

import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from policies.importer import PolicyFormatError, parse_policy
from policies.models import Audience, Policy, PolicyVersion
from tests.factories import import_source

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
SOURCES = Path(__file__).resolve().parents[2] / "policies" / "sources"


def words(text: str) -> str:
    return " ".join(text.split())


def seed(name: str) -> str:
    path = SEEDS / name
    if not path.exists():
        pytest.skip("the seed texts live in ../shared/seeds")
    return words(path.read_text(encoding="utf-8"))


def test_st_elisabeths_has_every_numbered_clause_from_1_1_to_11_3_and_the_unnumbered_lists():
    parsed = parse_policy((SOURCES / "st-elisabeths-staff-social-media.md").read_text())
    keys = [c.key for c in parsed.clauses]
    numbered = [k for k in keys if k[0].isdigit()]
    assert len(parsed.clauses) == 64
    assert len(numbered) == 60
    assert numbered[0] == "1.1" and numbered[-1] == "11.3"
    assert {k.split(".")[0] for k in numbered} == {str(n) for n in range(1, 12)} - {"5"}
    assert [f"6.{n}" for n in range(1, 25)] == [k for k in numbered if k.startswith("6.")]
    assert [k for k in keys if not k[0].isdigit()] == [
        "about-this-policy-1",
        "about-this-policy-2",
        "roles-and-responsibilities-1",
        "roles-and-responsibilities-2",
    ]


def test_villiers_policy_has_every_section_and_the_parents_code_is_its_own_policy():
    staff = parse_policy((SOURCES / "villiers-staff-social-media.md").read_text())
    parents = parse_policy((SOURCES / "villiers-parents-code-of-conduct.md").read_text())
    sections = list(dict.fromkeys(c.section for c in staff.clauses))
    assert len(staff.clauses) == 39
    assert len(sections) == 16
    assert "Users’ responsibilities" in sections
    assert "Cyber bullying and Harassment" in sections
    assert parents.title == "Social Media & Networking Code of Conduct for Parents/Carers"
    assert parents.header["audience"] == Audience.PARENTS
    assert len(parents.clauses) == 5


@pytest.mark.parametrize(
    ("source", "seed_file", "key", "sentence"),
    [
        (
            "st-elisabeths-staff-social-media.md", "000_847c30be11d0206b.txt", "6.5",
            "Adults must not engage in conversations about pupils with their parents or carers or "
            "with any other person by any form of social networking or social media unless they "
            "have the express permission of the Head of School to do so.",
        ),
        (
            "st-elisabeths-staff-social-media.md", "000_847c30be11d0206b.txt", "6.8",
            "Adults must be clear that such contact could also be misconstrued as being part of a "
            "grooming process.",
        ),
        (
            "st-elisabeths-staff-social-media.md", "000_847c30be11d0206b.txt", "3.1",
            "Safeguarding and promoting the welfare of children is everyone’s responsibility.",
        ),
        (
            "villiers-staff-social-media.md", "003_50ca46c99cdc08d9.txt", "cyber-bullying-and-harassment-3",
            "Staff should not personally engage with cyberbullying incidents and should immediately "
            "report incidents to the Head Teacher or for centrally employed staff, the Head of HR.",
        ),
        (
            "villiers-staff-social-media.md", "003_50ca46c99cdc08d9.txt",
            "senior-leadership-responsibility-in-relation-to-online-bully-3",
            "In the event that such evidence contains indecent images of children, it is an offence "
            "to save, send, or alter an image or to show it to anyone else.",
        ),
        (
            "villiers-parents-code-of-conduct.md", "003_50ca46c99cdc08d9.txt",
            "social-media-networking-code-of-conduct-for-parentscarers-1",
            "At Villiers Primary School, we are very proud and fortunate to have a very dedicated "
            "and supportive school community.",
        ),
    ],
)  # fmt: skip
def test_clause_texts_are_word_for_word_the_seed_texts(source, seed_file, key, sentence):
    parsed = parse_policy((SOURCES / source).read_text())
    clause = next(c for c in parsed.clauses if c.key == key)
    assert sentence in words(clause.text)
    assert sentence in seed(seed_file)


def test_cleaned_text_loses_no_word_of_a_clause():
    """Every word of clause 6.7 appears in the seed, in order, once its PDF breaks are joined."""
    parsed = parse_policy((SOURCES / "st-elisabeths-staff-social-media.md").read_text())
    clause = next(c for c in parsed.clauses if c.key == "6.7")
    assert words(clause.text) in seed("000_847c30be11d0206b.txt")


@pytest.mark.django_db
def test_importing_creates_a_draft_with_every_clause_in_order(st_elisabeths):
    version = import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths)
    assert version.is_draft
    assert version.number == 1
    keys = list(version.clauses.values_list("key", flat=True))
    assert keys[2:4] == ["1.1", "1.2"] and keys[-1] == "11.3"
    assert list(version.clauses.values_list("position", flat=True)) == list(range(1, 65))


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("# Intro\n## 1.1\nText\n", 1, "title:"),
        ("title: T\n\n# Intro\nloose text\n", 4, "must belong to a clause"),
        ("title: T\n\n## 1.1\nText\n", 3, "after a `# section`"),
        ("title: T\n\n# Intro\n## 1.1\nOne\n## 1.1\nTwo\n", 6, "appears twice (first on line 4)"),
        ("title: T\n\n# Intro\n### 1.1\nText\n", 4, "only `#`"),
        ("title: T\n\n# Intro\n## 1.1\n\n## 1.2\nText\n", 4, "clause 1.1 has no text"),
        ("title: T\n\n# Intro\n## six!\nText\n", 4, "not a clause number"),
        ("title: T\n", 1, "no sections or clauses"),
    ],
)
def test_a_file_that_does_not_parse_names_the_line(text, line, message):
    with pytest.raises(PolicyFormatError) as error:
        parse_policy(text)
    assert error.value.line == line
    assert message in error.value.message


@pytest.mark.django_db
def test_the_command_names_the_line_and_writes_nothing(st_elisabeths, tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("title: T\n\n# Intro\n## 1.1\nOne\n## 1.1\nTwo\n")
    with pytest.raises(CommandError, match=re.escape("line 6: clause 1.1 appears twice")):
        call_command("import_policy", str(bad), "--school", "st-elisabeths")
    assert not Policy.objects.exists()
    assert not PolicyVersion.objects.exists()


@pytest.mark.django_db
def test_the_command_imports_and_can_publish(st_elisabeths, capsys):
    call_command(
        "import_policy", str(SOURCES / "st-elisabeths-staff-social-media.md"),
        "--school", "st-elisabeths", "--publish", "--approved-by", "Governing body",
        "--approved-on", "2026-09-01", "--review-due", "2027-09-01",
    )  # fmt: skip
    version = PolicyVersion.objects.get()
    assert version.status == "published"
    assert version.clauses.count() == 64
    assert "64 clauses is published" in capsys.readouterr().out


def test_a_byte_order_mark_and_windows_line_endings_are_accepted():
    parsed = parse_policy("\ufefftitle: T\r\n\r\n# Intro\r\n## 1.1\r\nText here.\r\n")
    assert parsed.clauses[0].text == "Text here."
