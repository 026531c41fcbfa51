"""The test run's settings: the portal's own, read from a scrubbed environment (tests/hermetic.py).

pytest loads this module (`--ds` in pyproject.toml, which wins over an exported
DJANGO_SETTINGS_MODULE), so the environment is cleaned before the portal's settings, or Celery,
read it: broker in-process, cache in local memory, development mode, no MFA requirement, the
default SITE_URL and PRIVATE_MEDIA_ROOT, and no `.env` file, whatever the shell exports.
pytest-django then sends e-mail to its locmem outbox.
"""

import os

from tests.hermetic import hermetic_environment

_clean = hermetic_environment(os.environ)
os.environ.clear()
os.environ.update(_clean)

from conduct_portal.settings import *  # noqa: E402, F403

# Every call of a prepared query (lib/prepared.py) also builds it the ordinary way and checks
# that the two are the same SQL with the same parameters.
PREPARED_VERIFY = True
