from django.http import Http404


class Refused(Http404):
    """A 404 for something that exists but is not the person's to see: recorded in the audit
    log (audit.middleware), and indistinguishable from "no such thing" to the person."""
