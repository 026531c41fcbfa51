from django import forms
from django.utils import timezone

from incidents.models import Agency, Category, Disciplinary, Status, Support
from people.models import User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *Status.choices], required=False)
    category = forms.ChoiceField(choices=[("", "Any category"), *Category.choices], required=False)
    urgency = forms.ChoiceField(
        choices=[("", "Urgent and normal"), ("urgent", "Urgent"), ("normal", "Normal")],
        required=False,
    )
    # A school's primary key, among the schools of the person's cases (QueueTally.schools).
    school = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    owner = forms.ChoiceField(
        choices=[("", "Anyone"), ("me", "Me"), ("nobody", "Nobody yet")], required=False
    )

    def __init__(self, *args, schools: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "Any school"), *schools]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Note")


class StatusForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices, label="New status")
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Why (needed to reopen)"
    )


class ReferralForm(forms.Form):
    agency = forms.ChoiceField(choices=[("", "Choose the agency"), *Agency.choices])
    referred_on = forms.DateField(widget=DATE, label="Date of the referral")
    reference = forms.CharField(max_length=100, required=False, label="Their reference")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Notes")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referred_on"].initial = timezone.localdate()


class CloseForm(forms.Form):
    outcome = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    disciplinary = forms.ChoiceField(
        choices=Disciplinary.choices,
        widget=forms.RadioSelect,
        label="Does it lead to disciplinary action under the policy?",
        help_text="St Elisabeth's §11; Villiers “Users’ responsibilities”.",
    )


class OwnerForm(forms.Form):
    """The owner, one of the people the case reaches today (selectors.reaching), which the
    view has read already: chosen by primary key among them, not asked of the database."""

    owner = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]
        },
    )

    def __init__(self, *args, recipients: list[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recipients = {person.pk: person for person in recipients}
        self.fields["owner"].choices = [(person.pk, str(person)) for person in recipients]

    def clean_owner(self) -> User:
        return self.recipients[self.cleaned_data["owner"]]


class SupportForm(forms.Form):
    support = forms.MultipleChoiceField(
        choices=Support.choices, widget=forms.CheckboxSelectMultiple, label="Support offered"
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Notes")


class CorrectionForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Correction")
