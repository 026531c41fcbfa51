from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils import timezone

from people.models import MAX_REMINDER_DAYS, TRUST_ONLY_ROLES, Role, School, StaffCategory

SCHOOL_ROLES = [(r.value, r.label) for r in Role if r not in TRUST_ONLY_ROLES]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonForm(forms.Form):
    full_name = forms.CharField(max_length=150)
    email = forms.EmailField(label="E-mail address")
    staff_category = forms.ChoiceField(choices=StaffCategory.choices)
    roles = forms.MultipleChoiceField(
        choices=SCHOOL_ROLES, widget=forms.CheckboxSelectMultiple, initial=[Role.STAFF]
    )
    starts_on = forms.DateField(widget=DATE, label="Start date")
    employed_centrally = forms.BooleanField(
        required=False, label="Employed by the trust rather than the school"
    )

    def __init__(self, *args, in_trust: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].initial = timezone.localdate()
        if not in_trust:
            del self.fields["employed_centrally"]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(choices=SCHOOL_ROLES, widget=forms.CheckboxSelectMultiple)


class LeaverForm(forms.Form):
    ends_on = forms.DateField(widget=DATE, label="Last day")


class StaffListForm(forms.Form):
    file = forms.FileField(
        label="Staff list (CSV)",
        help_text="Columns: name, e-mail, staff category, role, start date. "
        "Exported from your MIS as CSV; UTF-8 or Windows encodings are fine.",
    )


class AcceptInvitationForm(SetPasswordForm):
    """Choose a password (at least 12 characters, not a common one)."""


class ReminderLadderForm(forms.ModelForm):
    """The school's reminder ladder. The ModelForm runs School.clean, so the rule that the steps
    climb is the model's and the admin keeps to it too."""

    class Meta:
        model = School
        fields = ["first_reminder_days", "second_reminder_days", "digest_days"]
        labels = {
            "first_reminder_days": "First reminder, after (days)",
            "second_reminder_days": "Second reminder, after (days)",
            "digest_days": "Tell the Head who is still outstanding, after (days)",
        }
        help_texts = {
            "first_reminder_days": "Days a sign-off has been outstanding before the person is "
            "first reminded by e-mail.",
            "second_reminder_days": "Days outstanding before a second reminder. Later than the "
            "first.",
            "digest_days": "Days outstanding before the Head is sent a list of who has still not "
            "signed. Later than the second reminder.",
        }
        widgets = {
            field: forms.NumberInput(attrs={"min": 1, "max": MAX_REMINDER_DAYS})
            for field in ["first_reminder_days", "second_reminder_days", "digest_days"]
        }


class LadoContactForm(forms.ModelForm):
    """Who a reporter is told to contact when nobody in the portal can receive their report."""

    prefix = "lado"

    class Meta:
        model = School
        fields = ["lado_contact", "lado_phone"]
        labels = {"lado_contact": "LADO service or officer", "lado_phone": "Telephone"}
        help_texts = {
            "lado_contact": "Your local authority's designated officer for allegations about "
            'adults, as the reporter should ask for them, e.g. "Anytown LADO service".',
            "lado_phone": "The number a member of staff can call today.",
        }
