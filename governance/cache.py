"""A dashboard's figures kept in the cache until something they count changes.

Every school and trust has a generation in the cache: a random token, replaced whenever a record
the dashboard counts is written there (`changed`, called by signals.py for saves and deletes and
by the services that bulk-create memberships). A dashboard is stored under the generations of
every school and trust it covers, so a change anywhere in it makes the next reader compute it
afresh; the entry it replaces is never read again and expires. The token is replaced as the
write happens and again once its transaction commits, so a dashboard computed in between, from
data without the write, is not kept either.

What moves with the clock alone (overdue from today, how long requests have waited) is keyed by
the day and kept at most TTL seconds. When the cache cannot be reached, dashboards are computed
every time and writes carry on (a write the cache missed shows at most TTL seconds late).
"""

import datetime
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction

from governance.figures import Dashboard
from governance.periods import Period
from lib.caching import remembered

if TYPE_CHECKING:  # the selectors import this module
    from governance.selectors.scope import Scope

logger = logging.getLogger(__name__)

TTL = 300


def _generation_keys(
    school_ids: Iterable[int | None], trust_ids: Iterable[int | None]
) -> list[str]:
    return [f"governance:generation:school:{pk}" for pk in school_ids if pk] + [
        f"governance:generation:trust:{pk}" for pk in trust_ids if pk
    ]


def _generations(keys: list[str]) -> list[str]:
    """The current token of each key; a key the cache has lost gets a new one, never an old
    one back, so nothing stored under a token from before the loss can be found again."""
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    for key in missing:
        cache.add(key, uuid.uuid4().hex, timeout=None)
    if missing:
        found.update(cache.get_many(missing))
    return [found[key] for key in keys]


def dashboard_cached(
    scope: "Scope", period: Period, today: datetime.date, build: Callable[[], Dashboard]
) -> Dashboard:
    """The scope's dashboard for the period as of today: from the cache, or built and kept."""
    trust_ids = [scope.trust.pk] if scope.trust else {s.trust_id for s in scope.schools}
    try:
        generations = _generations(_generation_keys([s.pk for s in scope.schools], trust_ids))
    except Exception:
        logger.warning("The cache cannot be reached: the dashboard is computed afresh")
        return build()
    parts = [scope.kind, scope.slug, period.start, period.end, today, *generations]
    key = "governance:dashboard:" + hashlib.sha256(repr(parts).encode()).hexdigest()

    def build_and_name() -> Dashboard:
        dashboard = build()
        dashboard.cache_key = key
        return dashboard

    return remembered(key, build_and_name, timeout=TTL)


def figures_rendered(dashboard: Dashboard, render: Callable[[], str]) -> str:
    """The dashboard's figures as HTML: rendered once for each time they are counted."""
    if not dashboard.cache_key:
        return render()
    return remembered(f"{dashboard.cache_key}:html", render, timeout=TTL)


def changed(*, school_ids: Iterable[int | None] = (), trust_ids: Iterable[int | None] = ()) -> None:
    """Something the dashboards of these schools and trusts count was written: theirs are
    computed afresh from now on, and again once the write commits."""
    keys = _generation_keys(school_ids, trust_ids)
    if not keys:
        return

    def replace() -> None:
        try:
            cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)
        except Exception:
            logger.warning("The cache cannot be reached: dashboard generations not replaced")

    replace()
    transaction.on_commit(replace)
