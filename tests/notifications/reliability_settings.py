"""Settings for the worker and driver processes of test_reliability.py.

The same settings as production reads from the environment, with one change: a delivery's
claim lapses after 3 seconds instead of 2 minutes, so a test of a killed worker need not wait.
"""

from conduct_portal.settings import *  # noqa: F403

NOTIFICATIONS_CLAIM_SECONDS = 3
