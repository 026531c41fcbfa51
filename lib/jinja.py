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

from django.template import defaultfilters
from django.urls import reverse
from django.utils import timezone
from jinja2 import Environment, StrictUndefined


def url(name: str, *args) -> str:
    return reverse(name, args=args)


def date(value: datetime.datetime | datetime.date | None, format: str = "") -> str:
    """Django's `date` filter, after the conversion its engine makes to the local clock."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if format == "c" and isinstance(value, datetime.date):
        return value.isoformat()  # all Django's "c" is, without parsing the format each time
    return defaultfilters.date(value, format)


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
    env.filters["timesince"] = defaultfilters.timesince_filter
    # Django's, not Jinja2's own: "1.2 MB" as the Django templates write it, and text made
    # HTML after it is escaped (their output is safe HTML, which Jinja2 does not escape again).
    env.filters["filesizeformat"] = defaultfilters.filesizeformat
    env.filters["linebreaks"] = linebreaks
    env.filters["linebreaksbr"] = linebreaksbr
    return env
