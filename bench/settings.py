"""The production settings, plus what the benchmark needs: the floor views and a query counter.

Used only by `make bench` (bench/run.py), and only with BENCH_FLOOR=true: it refuses otherwise, so
the floor routes can never be mounted by accident. Everything else is conduct_portal.settings as
production reads it from the environment.
"""

from django.core.exceptions import ImproperlyConfigured

from conduct_portal.settings import *  # noqa: F403
from conduct_portal.settings import MIDDLEWARE, env

if not env.bool("BENCH_FLOOR", default=False):
    raise ImproperlyConfigured("bench.settings is for the benchmark only: set BENCH_FLOOR=true.")

# Outermost, so it counts every query of the request, the session's save included.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "bench.urls"
