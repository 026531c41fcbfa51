"""What incidents asks the apps above it, which it may not import.

`case_closing` is sent by `triage.case_close` before a case is closed, with the locked incident:
a receiver that must refuse raises ValidationError with the reason (an allegation that may meet
the harm threshold closes only with one of KCSIE's five outcomes, on its own record).
"""

from django.dispatch import Signal

case_closing = Signal()  # incident: Incident
