"""The WSGI application `make bench` serves: the portal, with the bare floor view in front.

A request for FLOOR_BARE_PATH never reaches Django's handler, so no middleware runs for it; it
still opens and closes its request as Django does (the request_started/finished signals manage
the persistent database connection). Everything else is the portal's own application.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.core.wsgi import get_wsgi_application

portal = get_wsgi_application()  # sets Django up: the floor's models can be imported after it

from bench.floor import floor_bare  # noqa: E402
from bench.middleware import HEADER, counting_queries  # noqa: E402

FLOOR_BARE_PATH = "/_bench/floor/bare/"


def application(environ, start_response):
    if environ.get("PATH_INFO") != FLOOR_BARE_PATH:
        return portal(environ, start_response)
    signals.request_started.send(sender=application, environ=environ)
    try:
        with counting_queries() as count:
            response = floor_bare(WSGIRequest(environ))
        headers = [*response.items(), (HEADER, str(count[0]))]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [response.content]
    finally:
        signals.request_finished.send(sender=application)
