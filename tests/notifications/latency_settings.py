"""bench.settings with the sweeper every 2 s for rows pending 3 s, for test_latency_bench.py.

The same processes and code paths as `make bench-latency`; only the sweeper's timing is shorter,
so the test need not wait the minutes production takes to sweep after a broker outage.
"""

from bench.settings import *  # noqa: F403
from bench.settings import CELERY_BEAT_SCHEDULE

CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "notifications-sweep": {
        "task": "notifications.sweep",
        "schedule": 2.0,
        "kwargs": {"older_than_seconds": 3},
        "options": {"expires": 2},
    },
}
