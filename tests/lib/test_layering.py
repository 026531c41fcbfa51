"""lib is the bottom layer: it imports no app of the portal, so every app can use it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "lib"


def portal_packages() -> set[str]:
    """Every top-level package of the repository but lib itself: the apps, the project, bench."""
    return {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"lib"}


def imported_top_levels(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_lib_imports_no_app_of_the_portal():
    forbidden = portal_packages()
    assert {"people", "conduct_portal", "audit"} <= forbidden  # the check sees the apps
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_levels(path) & forbidden)
        for path in LIB.rglob("*.py")
        if imported_top_levels(path) & forbidden
    }
    assert offenders == {}
