"""Reading a school's staff list as its management information system exports it.

`plan_import` decides, row by row, what importing the file would create, change or leave
alone, and names every error by line and field. Nothing here writes: services.staff_import_apply
writes a plan, all or nothing.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.core.validators import validate_email
from django.utils import timezone

from people.models import TRUST_ONLY_ROLES, Membership, Role, School, StaffCategory, User

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024

COLUMNS = {
    "name": ["name", "fullname", "staffname", "preferredname"],
    "email": ["email", "emailaddress", "workemail", "schoolemail"],
    "category": ["staffcategory", "category", "stafftype", "type"],
    "role": ["role", "roles", "portalrole"],
    "start": ["startdate", "start", "datestarted", "employmentstart"],
}
REQUIRED = ["name", "email", "category", "start"]
LABELS = {"name": "name", "email": "e-mail", "category": "staff category", "start": "start date"}
CATEGORY_WORDS = {
    **{c.value.replace("_", ""): c for c in StaffCategory},
    **{re.sub(r"[^a-z]", "", c.label.lower()): c for c in StaffCategory},
    "teacher": StaffCategory.TEACHING,
    "support": StaffCategory.NON_TEACHING,
    "supportstaff": StaffCategory.NON_TEACHING,
    "governor": StaffCategory.GOVERNOR,
    "trustee": StaffCategory.GOVERNOR,
    "agency": StaffCategory.AGENCY,
    "consultant": StaffCategory.CONSULTANT,
}
ROLE_WORDS = {
    **{r.value.replace("_", ""): r for r in Role},
    **{re.sub(r"[^a-z]", "", r.label.lower()): r for r in Role},
    "headteacher": Role.HEAD,
    "headofschool": Role.HEAD,
    "designatedsafeguardinglead": Role.DSL,
    "chairofgovernors": Role.CHAIR,
    "dataprotectionlead": Role.DPL,
}
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"]


class ImportRefused(ValueError):
    """The file as a whole cannot be read (encoding, header, size)."""


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}, {self.field}: {self.message}"


@dataclass
class RowPlan:
    line: int
    name: str
    email: str
    category: str
    roles: list[str]
    starts_on: datetime.date | None
    action: str = "create"  # create | change | unchanged
    changes: list[str] = field(default_factory=list)
    # What the import writes, never shown: the person's account if the portal has one, and
    # whether it may be renamed (only someone at this school and nowhere else). A row whose
    # e-mail has an account elsewhere only is "create", as one with no account: the preview
    # must not tell a Head who is in the portal outside their school.
    user: User | None = None
    rename: bool = False
    # The day after their last day here, for someone who left this school and is back.
    back_from: datetime.date | None = None


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    errors: list[RowError]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), UTF-16 with its mark, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _key(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _columns(header: list[str]) -> dict[str, int]:
    found = {}
    for index, title in enumerate(header):
        for name, words in COLUMNS.items():
            if _key(title) in words and name not in found:
                found[name] = index
    missing = [LABELS[name] for name in REQUIRED if name not in found]
    if missing:
        raise ImportRefused(
            "The first line must name the columns: name, e-mail, staff category, role, start "
            f"date. This file's first line is “{', '.join(header)[:200]}”: it has no "
            f"{' and no '.join(missing)} column."
        )
    return found


def _parse_date(text: str) -> datetime.date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _read_rows(text: str) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    if not rows:
        raise ImportRefused("The file is empty.")
    columns = _columns(rows[0][1])
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise ImportRefused(
            f"The file has {len(body):,} people in it; at most {MAX_ROWS:,} can be imported at "
            "once. Check that it is this school's staff list, or split it into smaller files."
        )
    if not body:
        raise ImportRefused("The file has a header line but nobody in it.")
    return columns, body


def plan_import(school: School, text: str) -> ImportPlan:
    """What importing `text` would do at `school`, without writing anything."""
    columns, body = _read_rows(text)
    errors: list[RowError] = []
    rows: list[RowPlan] = []
    first_line_of: dict[str, int] = {}
    for line, cells in body:

        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row_errors = []
        name, email = cell("name"), cell("email").lower()
        if not name:
            row_errors.append(RowError(line, "name", "is empty"))
        try:
            validate_email(email)
        except Exception:
            row_errors.append(RowError(line, "e-mail", f"“{email}” is not an e-mail address"))
        else:
            if email in first_line_of:
                row_errors.append(
                    RowError(line, "e-mail", f"{email} is also on line {first_line_of[email]}")
                )
            first_line_of.setdefault(email, line)
        category = CATEGORY_WORDS.get(_key(cell("category")))
        if category is None:
            known = ", ".join(c.label.lower() for c in StaffCategory)
            row_errors.append(
                RowError(line, "staff category", f"“{cell('category')}” is not one of: {known}")
            )
        roles = []
        for word in re.split(r"[;/|,]", cell("role") or "staff"):
            role = ROLE_WORDS.get(_key(word))
            if role is None or role in TRUST_ONLY_ROLES:
                row_errors.append(RowError(line, "role", f"“{word.strip()}” is not a school role"))
            elif role not in roles:
                roles.append(role)
        starts_on = _parse_date(cell("start"))
        if starts_on is None:
            row_errors.append(
                RowError(line, "start date", f"“{cell('start')}” is not a date like 01/09/2026")
            )
        errors.extend(row_errors)
        if not row_errors:
            rows.append(RowPlan(line, name, email, category, roles, starts_on))
    _compare_with_the_school(school, rows)
    return ImportPlan(rows=rows, errors=errors)


def _compare_with_the_school(school: School, rows: list[RowPlan]) -> None:
    """Mark each row create, change or unchanged against who is at the school now (3 queries).

    Only people with a role here now, or starting here, are compared: anyone else is added,
    in the same words whether or not their e-mail has an account elsewhere in the portal."""
    today = timezone.localdate()
    users = {u.email: u for u in User.objects.filter(email__in=[r.email for r in rows])}
    memberships: dict[int, list[Membership]] = {}
    last_day: dict[int, datetime.date] = {}
    for membership in Membership.objects.filter(school=school, user__in=users.values()):
        if membership.ends_on is None or membership.ends_on >= today:
            memberships.setdefault(membership.user_id, []).append(membership)
        else:
            previous = last_day.get(membership.user_id, membership.ends_on)
            last_day[membership.user_id] = max(previous, membership.ends_on)
    elsewhere = set(
        Membership.objects.filter(user__in=memberships.keys())
        .exclude(school=school)  # other schools, and trusts (no school)
        .values_list("user_id", flat=True)
    )
    for row in rows:
        row.user = users.get(row.email)
        held = memberships.get(row.user.pk, []) if row.user else []
        if not held:
            row.changes = ["new person: " + ", ".join(Role(r).label.lower() for r in row.roles)]
            if row.user and row.user.pk in last_day:
                row.back_from = last_day[row.user.pk] + datetime.timedelta(days=1)
            continue
        held_roles = {m.role for m in held}
        new_roles = [r for r in row.roles if r not in held_roles]
        if new_roles:
            row.changes.append("adds " + ", ".join(Role(r).label.lower() for r in new_roles))
        if any(m.staff_category != row.category for m in held):
            row.changes.append(
                f"staff category becomes {StaffCategory(row.category).label.lower()}"
            )
        # Their name is shared with every other school or trust they belong to: it is theirs,
        # not this school's, to change.
        row.rename = row.user.full_name != row.name and row.user.pk not in elsewhere
        if row.rename:
            row.changes.append(f"name becomes {row.name}")
        row.action = "change" if row.changes else "unchanged"
