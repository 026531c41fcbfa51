"""The demo (`python manage.py seed_demo`): the trust, both schools and their people (`people.py`),
their real policies published (`policies.py`), and some activity on top (`activity.py`)."""
