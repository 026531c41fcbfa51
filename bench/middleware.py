"""Counts the SQL queries of each request into an X-Queries response header (benchmark only).

Transaction control (SAVEPOINT, RELEASE SAVEPOINT, ROLLBACK TO SAVEPOINT) is not counted: the
same atomic block issues it in a test's transaction and not outside one, and it reads no data.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection
from django.http import HttpRequest, HttpResponse

HEADER = "X-Queries"


TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def is_transaction_control(sql: str) -> bool:
    return sql.lstrip().upper().startswith(TRANSACTION_CONTROL)


@contextmanager
def counting_queries() -> Iterator[list[int]]:
    count = [0]

    def wrapper(execute, sql, params, many, context):
        if not is_transaction_control(sql):
            count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with counting_queries() as count:
            response = self.get_response(request)
        response[HEADER] = str(count[0])
        return response
