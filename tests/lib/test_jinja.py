"""The Jinja2 fragments behave as the Django templates they replace: escaped, on the local clock."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import UndefinedError

from incidents.triage_forms import (
    CloseForm,
    CorrectionForm,
    NoteForm,
    OwnerForm,
    QueueFilterForm,
    ReferralForm,
    SupportForm,
)
from lib.jinja import environment
from people.models import User


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


def test_the_filters_write_what_the_django_filters_write_escaped_the_same():
    django = engines["django"]
    at = datetime.datetime(2026, 7, 1, 12, 30, 5, 123456, tzinfo=datetime.UTC)
    context = {
        "text": "<b>One</b>\nline\n\nTwo & three",
        "size": 123456,
        "at": at,
        "day": datetime.date(2026, 12, 1),
        "clock": datetime.time(9, 5),
    }
    pairs = [
        ("{{ text|linebreaks }}", "{{ text|linebreaks }}"),
        ("{{ text|linebreaksbr }}", "{{ text|linebreaksbr }}"),
        ("{{ size|filesizeformat }}", "{{ size|filesizeformat }}"),
        ("{{ at|date:'c' }} {{ day|date:'c' }}", "{{ at|date('c') }} {{ day|date('c') }}"),
        ('{{ clock|time:"H:i" }}', '{{ clock|time("H:i") }}'),
    ]
    for source, jinja in pairs:
        assert render(jinja, **context) == django.from_string(source).render(context)
    assert "&lt;b&gt;One&lt;/b&gt;<br>line" in render("{{ text|linebreaksbr }}", **context)


class _Tokens(HTMLParser):
    """A page as its tags (attributes sorted) and its words: what a browser draws of it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tokens.append(f"<{tag} {sorted(attrs)}>")

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.tokens.extend(data.split())


def _tokens(html: str) -> list[str]:
    parser = _Tokens()
    parser.feed(html)
    return parser.tokens


def _owner_form() -> OwnerForm:
    form = OwnerForm(recipients=User.objects.none(), initial={"owner": 2}, auto_id="owner-%s")
    form.fields["owner"].choices = [(1, "Amira <Ahmed>"), (2, "Ben O'Brien")]
    return form


@pytest.mark.parametrize(
    "make",
    [
        lambda: NoteForm(auto_id="note-%s"),
        lambda: ReferralForm(auto_id="referral-%s"),
        lambda: SupportForm(auto_id="support-%s"),
        lambda: CloseForm(auto_id="close-%s"),
        lambda: CorrectionForm(auto_id="correction-%s"),
        _owner_form,
    ],
)
def test_the_fields_macro_draws_a_form_as_crispy_forms_does(make):
    form = make()
    crispy = engines["django"].from_string("{% load crispy_forms_tags %}{{ form|crispy }}")
    ours = render('{% import "_fields.html" as forms %}{{ forms.fields(form) }}', form=form)
    assert _tokens(ours) == _tokens(crispy.render({"form": form}))


@pytest.mark.parametrize(
    "data",
    [None, {"status": "new", "category": "breach", "school": "7", "owner": "me"}, {"status": "x"}],
    ids=["unbound", "chosen", "not a choice"],
)
def test_the_queue_filters_are_drawn_as_django_draws_them(data):
    schools = [(7, "St Elisabeth's <CE>"), (9, "Villiers")]
    form = QueueFilterForm(data, schools=schools)
    django = engines["django"].from_string(
        "{% for field in form %}"
        '<div class="col-6 col-md-auto"><label class="form-label small mb-1" '
        'for="{{ field.id_for_label }}">{{ field.label }}</label>{{ field.as_widget }}</div>'
        "{% endfor %}"
    )
    ours = _tokens(render('{% include "incidents/queue_filters.html" %}', form=form))
    # Django marks a value that is not a choice invalid, pointing at an error message the queue
    # never drew: the queue ignores such a filter, and its select says nothing of it.
    marked = re.compile(r"\('aria-describedby', '\w+'\), \('aria-invalid', 'true'\), ")
    theirs = [marked.sub("", token) for token in _tokens(django.render({"form": form}))]
    assert ours[1:-6] == theirs  # inside the form, before its button


def _int_routes() -> list[tuple[str, int]]:
    """Every named route of the portal whose arguments are all whole numbers."""
    from django.urls import get_resolver
    from django.urls.converters import IntConverter

    found = []
    resolver = get_resolver()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(
                    pattern.url_patterns,
                    f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace,
                )
            elif pattern.name:
                converters = pattern.pattern.converters
                if converters and all(isinstance(c, IntConverter) for c in converters.values()):
                    found.append((namespace + pattern.name, len(converters)))

    walk(resolver.url_patterns)
    return found


@pytest.mark.parametrize("name, arity", _int_routes())
@pytest.mark.parametrize("args", [(0,), (7,), (123456789,)])
def test_url_writes_what_reverse_writes_for_every_route_of_whole_numbers(name, arity, args):
    from lib.jinja import url

    values = (args * arity)[:arity]
    assert url(name, *values) == reverse(name, args=values)


def test_url_reverses_what_it_cannot_write_from_a_path():
    from lib.jinja import url

    assert url("incidents:case", "42") == reverse("incidents:case", args=["42"])
    with pytest.raises(NoReverseMatch):
        url("incidents:case", -1)


FORMATS = ["j M Y, H:i", "j F Y", "d/m/Y", "jS F Y", "D j M", "N j, Y, P", "y-n-j G:i", "H:i"]
moments = st.datetimes(
    min_value=datetime.datetime(1990, 1, 1), max_value=datetime.datetime(2100, 1, 1),
    timezones=st.just(datetime.UTC),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(moment=moments, format=st.sampled_from(FORMATS), language=st.sampled_from(["en-gb", "fr"]))
def test_date_writes_what_djangos_date_filter_writes(moment, format, language):
    from django.template import defaultfilters
    from django.utils import timezone, translation

    from lib.jinja import date

    with translation.override(language):
        assert date(moment, format) == defaultfilters.date(timezone.localtime(moment), format)
        day = moment.date()
        if not any(letter in format for letter in "HGiP"):
            assert date(day, format) == defaultfilters.date(day, format)


@settings(max_examples=200, deadline=None)
@given(then=moments, now=moments, language=st.sampled_from(["en-gb", "fr"]))
def test_timesince_writes_what_djangos_timesince_filter_writes(then, now, language):
    from django.template import defaultfilters
    from django.utils import translation

    from lib.jinja import since

    with translation.override(language):
        assert since(then, now) == defaultfilters.timesince_filter(then, now)
        assert since(then) == defaultfilters.timesince_filter(then)


def _choice_fields() -> list[tuple[type, str]]:
    from django.apps import apps

    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.choices and model.__module__.split(".")[0] in {"incidents", "allegations"}
    ]


@pytest.mark.parametrize("model, name", _choice_fields(), ids=lambda x: getattr(x, "__name__", x))
def test_display_writes_what_get_display_writes_for_every_choice_and_any_other_value(model, name):
    from lib.jinja import display

    field = model._meta.get_field(name)
    for value in [choice for choice, _ in field.flatchoices] + ["not-a-choice", None]:
        instance = model(**{field.attname: value})
        assert display(instance, name) == getattr(instance, f"get_{name}_display")()
