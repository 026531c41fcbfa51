from django import forms
from django.utils import timezone

from acknowledgements.models import ApprovalRequest, Declaration
from acknowledgements.receipts import normalised_fingerprint, normalised_reference
from people.models import School, StaffCategory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SchoolChoiceMixin:
    """A person at several schools says which one; at one school the field is hidden."""

    def __init__(self, *args, schools: list[School], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"] = forms.ModelChoiceField(
            queryset=School.objects.filter(pk__in=[s.pk for s in schools]),
            initial=schools[0] if len(schools) == 1 else None,
            widget=forms.HiddenInput if len(schools) == 1 else forms.Select,
        )
        self.order_fields(["school"])

    def clean(self):
        data = super().clean()
        if "school" in self.errors:  # a hidden field's error would not be shown: say it plainly
            del self.errors["school"]
            self.add_error(None, "You can only declare or ask at a school you work at.")
        return data


class DeclarationForm(SchoolChoiceMixin, forms.ModelForm):
    class Meta:
        model = Declaration
        fields = ["pupil_name", "class_or_year", "relationship", "social_media_contact", "details"]
        widgets = {"details": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "pupil_name": "The portal keeps no pupil records: only you and the Head see this.",
            "social_media_contact": "For example, you are friends or follow each other.",
        }


class DeclarationChangeForm(forms.ModelForm):
    class Meta(DeclarationForm.Meta):
        pass


class AcknowledgeForm(forms.Form):
    discussed_on = forms.DateField(widget=DATE, label="Date of the discussion")
    agreed_protocol = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What was agreed, e.g. contact only through family accounts, no school matters.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["discussed_on"].initial = timezone.localdate()


class MoreInformationForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="What do you need to know?"
    )


class ApprovalRequestForm(SchoolChoiceMixin, forms.ModelForm):
    class Meta:
        model = ApprovalRequest
        fields = ["kind", "details"]
        widgets = {"kind": forms.RadioSelect, "details": forms.Textarea(attrs={"rows": 4})}
        labels = {"kind": "What do you need approval for?"}

    def __init__(self, *args, kind_citations: dict[str, str] | None = None, **kwargs) -> None:
        """`kind_citations`: the reader's own policy's clause for each kind (the view looks
        them up), added to the choice so each says where the policy asks for approval."""
        super().__init__(*args, **kwargs)
        citations = kind_citations or {}
        self.fields["kind"].choices = [
            (value, f"{label} ({citations[value]})" if value in citations else label)
            for value, label in self.fields["kind"].choices
        ]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")], widget=forms.RadioSelect
    )
    expires_on = forms.DateField(
        widget=DATE, required=False, help_text="Optional: when an approval stops applying."
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required when you decline: the person sees it.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not data.get("reason", "").strip():
            self.add_error("reason", "Say why the request is declined.")
        return data


class StaffCategoryFilter(forms.Form):
    category = forms.ChoiceField(required=False, label="Staff category")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Everyone"), *StaffCategory.choices]


class ReceiptCheckForm(forms.Form):
    """A receipt's reference and fingerprint, as typed from paper: spaces, dashes and capitals
    are forgiven; anything that cannot be a reference or a SHA-256 is refused, saying why."""

    reference = forms.CharField(
        label="Receipt reference",
        max_length=40,
        help_text="Twelve letters and digits, printed on the receipt, e.g. 7KQ2-M9XD-4TRA.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    fingerprint = forms.CharField(
        label="Fingerprint (SHA-256)",
        max_length=200,
        help_text="The 64 characters printed on the receipt, or the SHA-256 you computed.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_reference(self) -> str:
        reference = normalised_reference(self.cleaned_data["reference"])
        if reference is None:
            raise forms.ValidationError(
                "A receipt reference is 12 letters and digits, like 7KQ2-M9XD-4TRA. "
                "Please check what you typed against the receipt."
            )
        return reference

    def clean_fingerprint(self) -> str:
        fingerprint = normalised_fingerprint(self.cleaned_data["fingerprint"])
        if fingerprint is None:
            raise forms.ValidationError(
                "A fingerprint is 64 characters, each 0–9 or a–f. "
                "Please check what you typed against the receipt."
            )
        return fingerprint
