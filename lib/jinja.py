"""The Jinja2 environment of the few fragments the portal renders with Jinja2.

They live in `templates_jinja2/` (a directory named `jinja2/` at the root would look like the
package to import tools).

Django's template engine resolves every variable through several lookups; a table of rows pays
that for each cell. The hottest lists (bench/README.md) are rendered by Jinja2, with the same
filters the Django templates use, behaving as they do there: times are shown on the clock of
the current time zone, and `url` reverses a route. Autoescaping is on (Django's backend turns
it on), and a name the view did not pass is an error.
"""

import datetime
import functools
import re

from django.db.models import Model
from django.template import defaultfilters
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import dates, timesince, timezone
from django.utils.encoding import force_str
from django.utils.formats import FORMAT_SETTINGS
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from jinja2 import Environment, StrictUndefined

# Stand-ins for a route's integer arguments: a row of a list links to its own page, and
# reversing a route costs more than the rest of the row.
_MARK = 987_650_000


@functools.cache
def _route(name: str, arity: int, prefix: str) -> str | None:
    """The route's path with stand-ins for its arguments, or None if they do not fit it."""
    del prefix  # part of the key: reverse() starts the path with it
    marks = [str(_MARK + i) for i in range(arity)]
    try:
        path = reverse(name, args=marks)
    except NoReverseMatch:
        return None
    return path if all(path.count(mark) == 1 for mark in marks) else None


def url(name: str, *args) -> str:
    """reverse(); for whole-number arguments, from the route's path reversed once."""
    if args and all(type(a) is int and a >= 0 for a in args):
        path = _route(name, len(args), get_script_prefix())
        if path is not None:
            for i, arg in enumerate(args):
                path = path.replace(str(_MARK + i), str(arg))
            return path
    return reverse(name, args=args)


# Django's date format letters that need no more than the date and the clock time, in the
# active language for the months' names (django.utils.dateformat).
_LETTERS = {
    "j": lambda v: str(v.day),
    "d": lambda v: f"{v.day:02d}",
    "n": lambda v: str(v.month),
    "m": lambda v: f"{v.month:02d}",
    "M": lambda v: str(dates.MONTHS_3[v.month]).title(),
    "F": lambda v: str(dates.MONTHS[v.month]),
    "Y": lambda v: f"{v.year:04d}",
    "y": lambda v: f"{v.year % 100:02d}",
}
_CLOCK = {
    "H": lambda v: f"{v.hour:02d}",
    "G": lambda v: str(v.hour),
    "i": lambda v: f"{v.minute:02d}",
}
_LETTER = re.compile(r"([a-zA-Z])")


@functools.cache
def _pieces(format: str, clock: bool) -> tuple | None:
    """The format as text and letters' functions, or None if Django must read it."""
    if "\\" in format or format in FORMAT_SETTINGS:
        return None
    letters = _LETTERS | _CLOCK if clock else _LETTERS
    pieces = []
    for i, piece in enumerate(_LETTER.split(format)):
        if i % 2 and piece not in letters:
            return None
        pieces.append(letters[piece] if i % 2 else piece)
    return tuple(pieces)


def date(value: datetime.datetime | datetime.date | None, format: str = "") -> str:
    """Django's `date` filter, after the conversion its engine makes to the local clock."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if format == "c" and isinstance(value, datetime.date):
        return value.isoformat()  # all Django's "c" is, without parsing the format each time
    if format and isinstance(value, datetime.date):
        pieces = _pieces(format, isinstance(value, datetime.datetime))
        if pieces is not None:
            return "".join(p if isinstance(p, str) else p(value) for p in pieces)
    return defaultfilters.date(value, format)


class _Plural:
    """One of timesince's phrases ("%(num)d days"), its translations remembered by language
    and number: they are few, and each costs a lookup through the translation machinery."""

    def __init__(self, lazy) -> None:
        self.lazy, self.done = lazy, {}

    def __mod__(self, values: dict) -> str:
        key = (get_language(), values["num"])
        if (text := self.done.get(key)) is None:
            text = self.done[key] = str(self.lazy % values)
        return text


_TIME_STRINGS = {name: _Plural(lazy) for name, lazy in timesince.TIME_STRINGS.items()}


def since(
    value: datetime.datetime | datetime.date | None, now: datetime.datetime | None = None
) -> str:
    """Django's `timesince` filter."""
    if not value:
        return ""
    try:
        return timesince.timesince(value, now, time_strings=_TIME_STRINGS)
    except (ValueError, TypeError):
        return ""


@functools.cache
def _labels(model: type, name: str) -> dict:
    return dict(make_hashable(model._meta.get_field(name).flatchoices))


def display(instance: Model, name: str) -> str:
    """`instance.get_<name>_display()`, without making the field's choices into a dict on
    each call as Django does (a list of cases shows two such labels a row)."""
    value = getattr(instance, instance._meta.get_field(name).attname)
    label = _labels(type(instance), name).get(make_hashable(value), value)
    return force_str(label, strings_only=True)


def linebreaks(value) -> str:
    return defaultfilters.linebreaks_filter(value, autoescape=True)


def linebreaksbr(value) -> str:
    return defaultfilters.linebreaksbr(value, autoescape=True)


def environment(**options) -> Environment:
    # Every value escaped, whatever the options say; a name the view did not pass is an error,
    # not an empty cell.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **{**options, "undefined": StrictUndefined})
    env.globals["url"] = url
    env.filters["date"] = date
    env.filters["time"] = defaultfilters.time
    env.filters["timesince"] = since
    # Django's, not Jinja2's own: "1.2 MB" as the Django templates write it, and text made
    # HTML after it is escaped (their output is safe HTML, which Jinja2 does not escape again).
    env.filters["filesizeformat"] = defaultfilters.filesizeformat
    env.filters["linebreaks"] = linebreaks
    env.filters["display"] = display
    env.filters["linebreaksbr"] = linebreaksbr
    return env
