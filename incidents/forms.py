import datetime

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator

from incidents import evidence
from incidents.models import Category, SubjectKind
from incidents.rules import RULES
from people.models import School, User

PLATFORMS = [
    "Facebook", "Instagram", "TikTok", "Snapchat", "WhatsApp", "X (Twitter)", "YouTube",
    "Discord", "Roblox", "E-mail", "Text message", "A website",
]  # fmt: skip


INDECENT_IMAGES_REFUSAL = (
    "Nothing was kept, and nothing may be attached to this kind of report: it is an offence to "
    "save, copy, send or show indecent images of children, even to the school. Remove the file "
    "and send the report without it."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one input; each is checked by content in the form's clean()."""

    widget = MultipleFileInput

    def clean(self, data, initial=None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]


class SchoolChoiceField(forms.ModelChoiceField):
    """One of the reporter's schools, which the view has read already: looked up among them,
    not asked of the database again."""

    schools: list[School] = []

    def to_python(self, value) -> School | None:
        if value in self.empty_values:
            return None
        found = next((s for s in self.schools if str(s.pk) == str(value)), None)
        if found is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return found


class PersonChoiceField(forms.ModelChoiceField):
    """One of the school's people. The view may give the choices as a function that makes the
    query (with a subquery, costly to build): it runs only when the form is shown or a person
    was chosen, not for a report about a pupil or a parent."""

    def _get_queryset(self):
        if callable(self._queryset):
            self._queryset = self._queryset().all()
        return self._queryset

    def _set_queryset(self, queryset) -> None:
        if callable(queryset):
            self._queryset = queryset
            # Django's own would make the choices' iterator, which reads the queryset, now.
            self.widget.choices = CallableChoiceIterator(lambda: self.choices)
        else:
            super()._set_queryset(queryset)

    queryset = property(_get_queryset, _set_queryset)


class ReportForm(forms.Form):
    school = SchoolChoiceField(queryset=School.objects.none(), empty_label=None)
    category = forms.ChoiceField(
        label="What is it about?", choices=Category.choices, widget=forms.RadioSelect
    )
    subject_kind = forms.ChoiceField(
        label="Who is the concern about?",
        choices=SubjectKind.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    subject_user = PersonChoiceField(
        label="Which adult?",
        queryset=User.objects.none(),
        required=False,
        empty_label="Choose a person",
        help_text="Everyone who works at or for the school, by name.",
    )
    subject_description = forms.CharField(
        label="Who is it?",
        max_length=200,
        required=False,
        help_text="A name or a description, e.g. a pupil's first name and class, or an "
        "account name. The portal keeps no records of pupils.",
    )
    affected_user = PersonChoiceField(
        label="Who is being bullied or trolled?",
        queryset=User.objects.none(),
        required=False,
        empty_label="Me",
        help_text="Only for cyberbullying or trolling of a member of staff.",
    )
    happened_on = forms.DateField(
        label="When did it happen?",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The date, or the date you first saw it.",
    )
    happened_at_time = forms.TimeField(
        label="At what time? (if you know)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    platform = forms.CharField(
        label="Where online?",
        max_length=100,
        required=False,
        help_text="The site, app or service, e.g. Facebook or WhatsApp.",
        widget=forms.TextInput(attrs={"list": "platforms", "autocomplete": "off"}),
    )
    content_address = forms.CharField(
        label="Address of the content",
        max_length=500,
        required=False,
        help_text="The web address (URL) of the post, page or profile, or the account name. "
        "Leave it empty for indecent images: do not visit them again.",
    )
    description = forms.CharField(
        label="What happened?",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10_000,
        help_text="What you saw or were told, as facts, and anything already done about it.",
    )
    evidence = EvidenceField(
        label="Screenshots and documents",
        required=False,
        help_text=f"{evidence.ACCEPTED} files, up to {evidence.MAX_FILES} files of 10 MB each. "
        "Screenshots should show the date, time and address of the site.",
        widget=MultipleFileInput(
            attrs={"accept": ".png,.jpg,.jpeg,.pdf,image/png,image/jpeg,application/pdf"}
        ),
    )

    def __init__(self, *args, schools: list[School], people, refused=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.refused_uploads = list(refused)
        self.accepted_files: list[str] = []
        school_field = self.fields["school"]
        school_field.queryset = School.objects.filter(pk__in=[s.pk for s in schools])
        school_field.schools = schools
        school_field.label = "School"
        self.only_school = schools[0] if len(schools) == 1 else None
        if self.only_school:
            school_field.initial = self.only_school
            school_field.required = False
            school_field.widget = forms.HiddenInput()
        self.fields["subject_user"].queryset = people
        self.fields["affected_user"].queryset = people
        self.fields["happened_on"].initial = timezone.localdate()

    def clean_school(self) -> School:
        return self.only_school or self.cleaned_data["school"]

    def clean_happened_on(self) -> datetime.date:
        happened_on = self.cleaned_data["happened_on"]
        if happened_on > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return happened_on

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("subject_kind")
        if kind == SubjectKind.ADULT and not data.get("subject_user"):
            self.add_error("subject_user", "Choose the adult the concern is about.")
        if (
            kind in (SubjectKind.PUPIL, SubjectKind.PARENT)
            and not data.get("subject_description", "").strip()
        ):
            self.add_error("subject_description", "Say who it is: a name or a description.")
        self._clean_evidence(data)
        return data

    def _clean_evidence(self, data: dict) -> None:
        files = data.get("evidence") or []
        category = data.get("category")
        if category and not RULES[category].accepts_evidence:
            if files or self.refused_uploads:
                names = [evidence.clean_name(f.name or "") for f in files]
                names += [refusal.name for refusal in self.refused_uploads]
                for name in names:
                    self.add_error("evidence", f"“{name}” was not accepted.")
                self.add_error("evidence", INDECENT_IMAGES_REFUSAL)
            return
        count = len(files) + len(self.refused_uploads)
        if count > evidence.MAX_FILES:
            self.add_error(
                "evidence",
                f"You attached {count} files; at most {evidence.MAX_FILES} can be attached.",
            )
        for refusal in self.refused_uploads:
            self.add_error("evidence", str(refusal))
        for file in files:
            result = evidence.check_one(file)
            if isinstance(result, evidence.Refusal):
                self.add_error("evidence", str(result))
            else:
                self.accepted_files.append(result.name)
