"""The portal's URLs plus the full-stack floor view (bench.settings mounts this, nothing else)."""

from django.urls import path

from bench.floor import floor_full
from conduct_portal.urls import urlpatterns as portal_urlpatterns

FLOOR_FULL_PATH = "_bench/floor/full/"

urlpatterns = [*portal_urlpatterns, path(FLOOR_FULL_PATH, floor_full, name="bench_floor_full")]
