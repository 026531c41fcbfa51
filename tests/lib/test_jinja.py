"""The Jinja2 fragments behave as the Django templates they replace: escaped, on the local clock."""

import datetime

import pytest
from django.template import engines
from django.urls import reverse
from jinja2 import UndefinedError

from lib.jinja import environment


def render(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


def test_every_value_is_escaped_even_if_the_options_say_otherwise():
    assert render("{{ name }}", name="<b>O'Brien</b>") == "&lt;b&gt;O&#39;Brien&lt;/b&gt;"
    env = environment(autoescape=False)
    assert env.from_string("{{ x }}").render(x="<i>") == "&lt;i&gt;"


def test_a_name_the_view_did_not_pass_is_an_error_not_an_empty_cell():
    with pytest.raises(UndefinedError):
        render("{{ missing }}")


def test_dates_are_shown_on_the_clock_of_the_wall_as_django_shows_them():
    # 12:30 UTC in July is 13:30 in London (British Summer Time).
    at = datetime.datetime(2026, 7, 1, 12, 30, tzinfo=datetime.UTC)
    assert render('{{ at|date("j M Y, H:i") }}', at=at) == "1 Jul 2026, 13:30"
    assert render("{{ at|date('c') }}", at=at) == "2026-07-01T13:30:00+01:00"
    assert render("{{ day|date('j F Y') }}", day=datetime.date(2026, 12, 1)) == "1 December 2026"


def test_url_reverses_a_route_with_its_arguments():
    assert render('{{ url("incidents:case", 42) }}') == reverse("incidents:case", args=[42])
