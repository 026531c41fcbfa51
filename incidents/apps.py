from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        from django.db import transaction

        from incidents.handover import _warn_before_roles_removed, schools_reroute
        from incidents.selectors import cases_visible_to
        from notifications.selectors import cases_visible_rule
        from people.signals import memberships_changed, roles_removal_asked

        # A notification about a report is read only while the report still reaches its reader.
        cases_visible_rule(cases_visible_to)

        def reroute_once_committed(school_ids: set[int], trust_ids: set[int], **kwargs) -> None:
            # Cases follow the roles: once the new memberships are there to be read.
            transaction.on_commit(
                lambda: schools_reroute(school_ids=school_ids, trust_ids=trust_ids)
            )

        memberships_changed.connect(reroute_once_committed, weak=False, dispatch_uid="reroute")
        roles_removal_asked.connect(_warn_before_roles_removed, dispatch_uid="vacancy-warnings")
