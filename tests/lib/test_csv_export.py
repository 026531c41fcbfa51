"""Every CSV the portal writes goes through lib.csv_export, which neutralises formulas."""

import ast
import csv
import io
from pathlib import Path

import pytest

from lib.csv_export import csv_response, csv_writer, neutralise

ROOT = Path(__file__).resolve().parents[2]
# Not the portal's code: third-party packages, build output, and the tests, which may write a
# CSV to feed an import.
NOT_THE_PORTAL = {".git", ".venv", "node_modules", "staticfiles", "tests", "build", "lib"}


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example","Click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
    ],
    ids=["equals", "plus", "minus", "at", "tab", "carriage return"],
)
def test_a_cell_starting_like_a_formula_gets_an_apostrophe(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(
    "value", ["Bob Baker", "O'Neill", "", "a=b", "1 + 1", 3, -4, 2.5, None], ids=repr
)
def test_anything_else_is_written_as_it_is(value):
    assert neutralise(value) == value


def test_the_writer_neutralises_every_row_and_quotes_as_csv_does():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["Name", "Note"])
    writer.writerows([["=1+1", 'say "hi", then go'], ["Ann", -3]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["Name", "Note"],
        ["'=1+1", 'say "hi", then go'],
        ["Ann", "-3"],
    ]


def test_a_csv_response_is_a_named_utf8_download():
    response = csv_response([["Name"], ["=cmd"], ["Zoë"]], filename="people.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert response.content.decode("utf-8").splitlines() == ["Name", "'=cmd", "Zoë"]


def _csv_writers_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    aliases = {"csv"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name == "csv"}
        elif isinstance(node, ast.ImportFrom) and node.module == "csv":
            found += [f"from csv import {a.name}" for a in node.names if "writer" in a.name.lower()]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr in {"writer", "DictWriter"}
        ):
            found.append(f"{node.value.id}.{node.attr}, line {node.lineno}")
    return found


def test_no_module_but_lib_writes_csv_itself():
    offenders = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in NOT_THE_PORTAL or relative.parts[0].endswith(".egg-info"):
            continue
        if found := _csv_writers_in(path):
            offenders[str(relative)] = found
    assert offenders == {}, "write CSV with lib.csv_export, which neutralises formulas"


def test_the_scan_would_find_a_csv_writer(tmp_path):
    # The test above passing means something only if the scan recognises each way of doing it.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import csv\nimport csv as c\nfrom csv import DictWriter\n"
        "csv.writer(x)\nc.writer(x)\nDictWriter(x, [])\n"
    )
    assert _csv_writers_in(sample) == [
        "from csv import DictWriter",
        "csv.writer, line 4",
        "c.writer, line 5",
    ]
