"""Forms read and check what was typed; the services decide. A service's ValidationError is put
back on the form (`add_service_errors`) so the page shows it beside the field, with what was
typed kept."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from allegations.models import HARM_TESTS, Outcome, Response, Threshold, YesNo
from incidents.models import Disciplinary

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class HarmTestsMixin(forms.Form):
    """The four tests of the harm threshold, as tick boxes."""

    harmed_child = forms.BooleanField(required=False, label=HARM_TESTS[0][1])
    criminal_offence = forms.BooleanField(required=False, label=HARM_TESTS[1][1])
    risk_of_harm = forms.BooleanField(required=False, label=HARM_TESTS[2][1])
    unsuitable = forms.BooleanField(required=False, label=HARM_TESTS[3][1])


class ThresholdForm(HarmTestsMixin):
    decision = forms.ChoiceField(
        choices=Threshold.choices, widget=forms.RadioSelect, label="Your decision"
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Reasons for the decision"
    )
    not_referred_because = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="If not discussed with the LADO: why not",
    )
    field_order = ["decision", "harmed_child", "criminal_offence", "risk_of_harm", "unsuitable"]


class LadoForm(forms.Form):
    lado_name = forms.CharField(max_length=150, label="LADO's name")
    contacted_on = forms.DateField(widget=DATE, label="Date of the discussion")
    contacted_time = forms.TimeField(widget=TIME, label="Time of the discussion")
    reference = forms.CharField(max_length=100, label="LADO's reference")
    strategy_discussion = forms.ChoiceField(
        choices=YesNo.choices, widget=forms.RadioSelect, label="Is a strategy discussion held?"
    )
    police = forms.ChoiceField(
        choices=YesNo.choices, widget=forms.RadioSelect, label="Are the police involved?"
    )
    suspension = forms.ChoiceField(
        choices=YesNo.choices, widget=forms.RadioSelect, label="Is the adult suspended?"
    )
    suspension_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why, or why not",
        help_text="Suspension is considered in every case; alternatives come first (KCSIE).",
    )
    support = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Support for the adult"
    )
    next_steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Other next steps agreed"
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        now = timezone.localtime()
        self.fields["contacted_on"].initial = now.date()
        self.fields["contacted_time"].initial = now.time().replace(second=0, microsecond=0)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        day, time = data.pop("contacted_on"), data.pop("contacted_time")
        data["contacted_at"] = timezone.make_aware(
            timezone.datetime.combine(day, time), timezone.get_current_timezone()
        )
        return data


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Reasons for the outcome"
    )
    disciplinary = forms.ChoiceField(
        choices=[c for c in Disciplinary.choices if c[0] != Disciplinary.NOT_APPLICABLE],
        widget=forms.RadioSelect,
        label="Does it lead to disciplinary action?",
    )
    reference_summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Summary for references (substantiated only)",
        help_text="Leave empty unless it is substantiated: a false, unsubstantiated, unfounded "
        "or malicious allegation is never mentioned in a reference.",
    )


class ConcernForm(forms.Form):
    """Under two minutes: who, when, what."""

    subject = forms.ModelChoiceField(
        queryset=None, label="Who is it about?", help_text="You may choose yourself."
    )
    happened_on = forms.DateField(widget=DATE, label="When did it happen?")
    what_happened = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What happened",
        help_text="The facts as you saw them. No pupil's full name: initials are enough.",
    )

    def __init__(self, *args, people, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = people
        self.fields["happened_on"].initial = timezone.localdate()


class ConcernResponseForm(HarmTestsMixin):
    response = forms.ChoiceField(
        choices=Response.choices, widget=forms.RadioSelect, label="Your decision"
    )
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reasons")
    field_order = ["response", "harmed_child", "criminal_offence", "risk_of_harm", "unsuitable"]
