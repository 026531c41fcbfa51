"""Reads a policy written in the portal's plain-text format (see policies/README.md).

title: Social Media Policy          header lines, `name: value`, before the first section
source: 000_847c30be11d0206b.txt

# Introduction                      a section heading
## 1.1                              a clause with its number as its key
Paragraph text, one line a paragraph.

## *                                an unnumbered clause: key derived from section + position
Lead-in sentence:

- a bullet item

> gap: Section 5 is missing ...      what the source lacks here: shown before the next clause,
                                    never part of the text that is signed
"""

import re
from dataclasses import dataclass, field

from django.utils.text import slugify

KEY_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]*$")
HEADER_PATTERN = re.compile(r"^([a-z][a-z_-]*):\s*(.*)$")
GAP_MARKER = "> gap:"


class PolicyFormatError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass
class ParsedClause:
    key: str
    section: str
    text: str
    line: int
    gap_before: str = ""


@dataclass
class ParsedPolicy:
    header: dict[str, str] = field(default_factory=dict)
    clauses: list[ParsedClause] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.header["title"]


def derived_key(section: str, ordinal: int) -> str:
    """The key of the n-th unnumbered clause of a section, e.g. `roles-and-responsibilities-2`."""
    return f"{slugify(section)[:60] or 'clause'}-{ordinal}"


def _tidy(lines: list[str]) -> str:
    """Join body lines, keeping one blank line between paragraphs and no trailing spaces."""
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text)


def parse_policy(text: str) -> ParsedPolicy:
    """Parse the whole text or raise PolicyFormatError naming the first line at fault."""
    policy = ParsedPolicy()
    section: str | None = None
    body: list[str] = []
    unnumbered_in_section = 0
    keys_seen: dict[str, int] = {}
    in_header = True
    gap: tuple[int, str] | None = None  # a gap note waiting for the clause it comes before

    def finish_clause() -> None:
        if not policy.clauses:
            return
        clause = policy.clauses[-1]
        if not clause.text:
            clause.text = _tidy(body)
            if not clause.text:
                raise PolicyFormatError(clause.line, f"clause {clause.key} has no text")

    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.rstrip()
        if in_header:
            if not line:
                continue
            match = HEADER_PATTERN.match(line)
            if match and not line.startswith("#"):
                policy.header[match.group(1)] = match.group(2).strip()
                continue
            in_header = False
            if "title" not in policy.header:
                raise PolicyFormatError(number, "the file must start with a `title:` line")
        if line.startswith("###"):
            raise PolicyFormatError(number, "only `#` (a section) and `##` (a clause) are headings")
        if line.startswith("## ") or line == "##":
            finish_clause()
            if section is None:
                raise PolicyFormatError(number, "a clause must come after a `# section` heading")
            key = line[2:].strip()
            if not key:
                raise PolicyFormatError(number, "`##` needs a clause number, or `*` for none")
            if key == "*":
                unnumbered_in_section += 1
                key = derived_key(section, unnumbered_in_section)
            elif not KEY_PATTERN.match(key):
                raise PolicyFormatError(number, f"{key!r} is not a clause number like 6.7")
            if key in keys_seen:
                raise PolicyFormatError(
                    number, f"clause {key} appears twice (first on line {keys_seen[key]})"
                )
            keys_seen[key] = number
            policy.clauses.append(
                ParsedClause(
                    key=key, section=section, text="", line=number, gap_before=gap[1] if gap else ""
                )
            )
            body = []
            gap = None
        elif line.startswith(GAP_MARKER):
            finish_clause()
            if gap:
                raise PolicyFormatError(
                    number, f"a second gap note (the first is on line {gap[0]})"
                )
            note = " ".join(line[len(GAP_MARKER) :].split())
            if not note:
                raise PolicyFormatError(number, "say what is missing after `> gap:`")
            gap = (number, note)
        elif line.startswith("# ") or line == "#":
            finish_clause()
            section = line[1:].strip()
            if not section:
                raise PolicyFormatError(number, "a section heading needs its text after `#`")
            unnumbered_in_section = 0
            body = []
        elif line.startswith("#"):
            raise PolicyFormatError(number, "a heading needs a space after `#` or `##`")
        elif line.strip():
            if gap:
                raise PolicyFormatError(number, "text after a gap note must start a clause: `## *`")
            if not policy.clauses or policy.clauses[-1].section != section or section is None:
                raise PolicyFormatError(number, "text must belong to a clause: add `## *` above")
            body.append(line)
        else:
            body.append("")

    if in_header:
        raise PolicyFormatError(1, "the file has no sections or clauses")
    finish_clause()
    if gap:
        raise PolicyFormatError(gap[0], "a gap note must come before a clause")
    if not policy.clauses:
        raise PolicyFormatError(1, "the file has no clauses")
    return policy
