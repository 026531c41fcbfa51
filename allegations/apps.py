from django.apps import AppConfig


class AllegationsConfig(AppConfig):
    name = "allegations"
    verbose_name = "Concerns about adults"

    def ready(self) -> None:
        from incidents.signals import case_closing

        case_closing.connect(_refuse_without_an_outcome, dispatch_uid="allegation-outcome")


def _refuse_without_an_outcome(incident, **kwargs) -> None:
    """A case that may meet the harm threshold closes only with one of the five outcomes,
    recorded on the allegation (which then closes the case itself)."""
    from django.core.exceptions import ValidationError

    from allegations.models import Allegation, Threshold

    allegation = Allegation.objects.filter(incident=incident).first()
    if allegation and allegation.threshold == Threshold.MAY_MEET and not allegation.outcome:
        raise ValidationError(
            "This is an allegation that may meet the harm threshold: record its outcome (one of "
            "the five) on the allegation's record, which closes the case."
        )
