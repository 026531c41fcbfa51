"""Keeps cached dashboards true (governance.cache): a save or delete of anything a dashboard
counts replaces the generation of the school or trust it belongs to. Only the cache listens
here; what a write does in the domain is in its service, never in a signal (STYLE.md 8).
Bulk writes send no model signals: the people services that bulk-create memberships send
people.signals.memberships_changed, heard here too."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from acknowledgements.models import ApprovalRequest, Declaration, SignOff
from allegations.models import Allegation, LowLevelConcern
from governance.cache import changed
from incidents.models import Incident
from people.models import Membership
from people.signals import memberships_changed
from policies.models import Policy, PolicyVersion

SIGNALS = [post_save, post_delete]


@receiver(SIGNALS, sender=Allegation)
def _allegation_changed(instance: Allegation, **kwargs) -> None:
    changed(school_ids=[instance.incident.school_id])


@receiver(SIGNALS, sender=LowLevelConcern)
@receiver(SIGNALS, sender=Incident)
@receiver(SIGNALS, sender=Declaration)
@receiver(SIGNALS, sender=ApprovalRequest)
def _school_record_changed(instance, **kwargs) -> None:
    changed(school_ids=[instance.school_id])


@receiver(SIGNALS, sender=Membership)
@receiver(SIGNALS, sender=Policy)
def _place_record_changed(instance, **kwargs) -> None:
    changed(school_ids=[instance.school_id], trust_ids=[instance.trust_id])


@receiver(SIGNALS, sender=PolicyVersion)
def _version_changed(instance: PolicyVersion, **kwargs) -> None:
    _place_record_changed(instance.policy)


@receiver(SIGNALS, sender=SignOff)
def _signed(instance: SignOff, **kwargs) -> None:
    _place_record_changed(instance.version.policy)


@receiver(memberships_changed)
def _memberships_written(school_ids: set[int], trust_ids: set[int], **kwargs) -> None:
    changed(school_ids=school_ids, trust_ids=trust_ids)
