from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils import timezone

from people.models import TRUST_ONLY_ROLES, Role, StaffCategory

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
