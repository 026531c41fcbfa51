from celery import shared_task

from signin.services import sessions_of_leavers_end


@shared_task(name="signin.end_leavers_sessions")
def end_leavers_sessions() -> int:
    """Daily, just after midnight: a leaver recorded in advance is signed out once their last
    day has passed (recording them ends their sessions at once only if that day is past)."""
    return sessions_of_leavers_end()
