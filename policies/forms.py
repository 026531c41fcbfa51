from django import forms
from django.utils import timezone

from lib.dates import years_after
from policies.models import Clause

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClauseForm(forms.ModelForm):
    class Meta:
        model = Clause
        fields = ["section", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "section": "The heading the clause sits under.",
            "text": "One blank line between paragraphs; start a line with “- ” for a bullet.",
        }


class NewClauseForm(ClauseForm):
    key = forms.CharField(
        required=False,
        max_length=80,
        label="Clause number",
        help_text="e.g. 6.25. Leave it empty for an unnumbered clause.",
    )

    class Meta(ClauseForm.Meta):
        fields = ["key", "section", "text"]


class PublishForm(forms.Form):
    approved_by = forms.CharField(
        max_length=200, help_text="Who approved this version, e.g. the full governing body."
    )
    approved_on = forms.DateField(widget=DATE)
    review_due = forms.DateField(widget=DATE, help_text="Usually a year after approval.")
    summary_of_changes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Staff see this when they are asked to sign the new version.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The local day, not the server's (UTC): just after midnight in summer they differ.
        today = timezone.localdate()
        self.fields["approved_on"].initial = today
        self.fields["review_due"].initial = years_after(today, 1)  # 29 Feb → 28 Feb
