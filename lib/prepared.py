"""Queries whose SQL is built once in a process, for the reads every page makes.

Django builds a query's SQL afresh on every call. For the access rules (EXISTS over a person's
roles, with joins and annotations) building it costs several times what PostgreSQL takes to run
it. `prepared` builds the queryset once, from stand-ins for its arguments, keeps its SQL and
where each argument goes among its parameters, and on each call puts the values in and reads
the rows with Django's own iterable: the same model instances, related objects and annotations.

What a prepared query must be, all checked:
- Its shape depends only on its arguments' kinds (int, str, date; None only for an argument
  declared `int | None`, whose None chooses a variant built with None): it is built twice
  from different stand-ins, and the two must be the same SQL with the same parameters but for
  the stand-ins. A value derived from an argument (a LIKE pattern) or a limit taken from one is
  refused there.
- It reads nothing but its arguments: "today" is an argument. `tests/lib/test_prepared.py`
  builds every prepared query under two clocks.
- Its result is read, not refined: `all()` is a list, `one()` an object or None.

Under `settings.PREPARED_VERIFY` (on in the tests) every call also builds the query the
ordinary way and checks it is the same SQL with the same parameters, so the whole suite checks
that each prepared query is still the query its function builds.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.sql.query import Query

M = TypeVar("M", bound=Model)
T = TypeVar("T")

KINDS = (int, str, datetime.date)
NoneType = type(None)
REGISTRY: list["Prepared[Any]"] = []


def _stand_in(kind: type, name: str, index: int, build: int) -> object:
    if kind is int:
        # In range for a small integer column, or Django would find the lookup empty (or full).
        return 32_000 + 100 * build + index
    if kind is str:
        return f"prepared:{name}:{build}"
    if kind is datetime.date:
        return datetime.date(1900 + 10 * build + index, 1, 1)
    raise TypeError(f"A prepared query's argument is an int, a str or a date, not {kind}")


def _slot(param: object, stand_ins: dict[str, object]) -> tuple[str | None, object]:
    for name, stand_in in stand_ins.items():
        if type(param) is type(stand_in) and param == stand_in:
            return name, None
        if isinstance(param, type(stand_in)) and param == stand_in:
            return name, type(param)  # psycopg's Int4 for a comparison with an integer column
        if isinstance(stand_in, datetime.date) and param == stand_in.isoformat():
            return name, datetime.date.isoformat  # SQLite is given dates as text
    return None, param


@dataclass(frozen=True)
class _Built:
    sql: str
    # For each parameter: (the argument it is, how the database is given it), or (None, the
    # constant it always is).
    slots: tuple[tuple[str | None, object], ...]
    compiler: Any  # compiled once: the select list, joins and annotations Django reads rows by
    queryset: QuerySet  # what reads the rows: its iterable class, its related lookups
    # The columns' converters, found once for each connection (they are the backend's own).
    converters: WeakKeyDictionary = field(default_factory=WeakKeyDictionary)


class _BoundQuery(Query):
    """A built query with one call's parameters: compiled from what was kept."""

    built: _Built
    params: tuple

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        compiler = _shallow(self.built.compiler)
        compiler.using = using
        compiler.connection = connection = connection or connections[using]
        sql, params = self.built.sql, self.params
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        converters = self.built.converters.get(connection)
        if converters is None:
            columns = [column for column, *_ in compiler.select[0 : compiler.col_count]]
            converters = self.built.converters[connection] = compiler.get_converters(columns)
        compiler.get_converters = lambda expressions: converters
        return compiler

    def clone(self):
        raise TypeError("A prepared query is read as it is: prepare the refined query instead.")


class Prepared(Generic[M]):
    """A query built by `build(**arguments)`, compiled once; see the module's docstring."""

    def __init__(self, build: Callable[..., QuerySet[M]], kinds: dict[str, object]) -> None:
        self.build = build
        # `int | None`: the argument's kind, and that it may be None.
        self.optional = {
            n for n, k in kinds.items() if set(getattr(k, "__args__", ())) > {NoneType}
        }
        self.kinds = {n: _kind(k) for n, k in kinds.items()}
        # By database alias and the optional arguments that are None: a variant of the query each.
        self._built: dict[tuple[str, frozenset], _Built] = {}
        self.__doc__, self.__name__ = build.__doc__, build.__name__
        REGISTRY.append(self)

    def variants(self) -> list[frozenset]:
        """Every combination of the optional arguments that may be None."""
        names = sorted(self.optional)
        return [
            frozenset(n for i, n in enumerate(names) if bits >> i & 1)
            for bits in range(2 ** len(names))
        ]

    def template(self, using: str = "default", nones: frozenset = frozenset()) -> _Built:
        built = self._built.get((using, nones))
        if built is None:
            built = self._built[using, nones] = self._compile(using, nones)
        return built

    def _compile(self, using: str, nones: frozenset = frozenset()) -> _Built:
        builds = []
        for build in (0, 1):
            stand_ins = {
                name: _stand_in(kind, name, index, build)
                for index, (name, kind) in enumerate(self.kinds.items())
                if name not in nones
            }
            queryset = self.build(**stand_ins, **dict.fromkeys(nones))
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            slots = tuple(_slot(p, stand_ins) for p in params)
            builds.append((sql, slots, compiler, queryset))
        (sql, slots, compiler, queryset), (sql_b, slots_b, *_) = builds
        if sql != sql_b or slots != slots_b:
            raise ValueError(
                f"{self.__name__}: its SQL or parameters change with its arguments' values, "
                "not only their kinds: it cannot be prepared"
            )
        return _Built(sql=sql, slots=slots, compiler=compiler, queryset=queryset)

    def _bind(self, arguments: dict[str, object]) -> tuple[_Built, tuple]:
        """The built query and this call's parameters."""
        if arguments.keys() != self.kinds.keys():
            raise TypeError(f"{self.__name__} takes {sorted(self.kinds)}")
        for name, value in arguments.items():
            kind = self.kinds[name]
            if type(value) is not kind and not (value is None and name in self.optional):
                raise TypeError(f"{self.__name__}: {name} is a {kind.__name__}, not {value!r}")
        nones = frozenset(name for name in self.optional if arguments[name] is None)
        built = self.template(DEFAULT_DB_ALIAS, nones)
        params = tuple(
            (value(arguments[name]) if value else arguments[name]) if name else value
            for name, value in built.slots
        )
        if getattr(settings, "PREPARED_VERIFY", False):
            self._verify(built, params, arguments, DEFAULT_DB_ALIAS)
        return built, params

    def _queryset(self, arguments: dict[str, object], page: slice | None = None) -> QuerySet[M]:
        built, params = self._bind(arguments)
        query = _shallow(built.queryset.query, _BoundQuery)
        query.built, query.params = built, params
        if page is not None:  # the query itself has no limit (Paginated)
            query.built = replace(built, sql=f"{built.sql} LIMIT %s OFFSET %s")
            query.params = (*params, page.stop - page.start, page.start)
        queryset = _shallow(built.queryset)
        queryset._query, queryset._result_cache, queryset._prefetch_done = query, None, False
        return queryset

    def _verify(self, built: _Built, params: tuple, arguments: dict, using: str) -> None:
        expected = self.build(**arguments).query.get_compiler(using=using).as_sql()
        if expected != (built.sql, params):
            raise AssertionError(
                f"{self.__name__}: the prepared query is not the one it builds now:\n"
                f"prepared {built.sql} {params}\nbuilt    {expected[0]} {expected[1]}"
            )

    def all(self, **arguments: object) -> list[M]:
        """The query's rows (model instances, or what its values() says)."""
        return list(self._queryset(arguments))

    def one(self, **arguments: object) -> M | None:
        """The query's first row, or None: for a query that returns at most one."""
        rows = self.all(**arguments)
        return rows[0] if rows else None

    def count(self, **arguments: object) -> int:
        """How many rows the query has."""
        built, params = self._bind(arguments)
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            # Django's own SQL, its values parameters.
            cursor.execute(f"SELECT COUNT(*) FROM ({built.sql}) counted", params)  # noqa: S608
            return cursor.fetchone()[0]

    def paginated(self, **arguments: object) -> "Paginated[M]":
        """The query as a Paginator's list: each page read with LIMIT and OFFSET."""
        if self.template(DEFAULT_DB_ALIAS, self.variants()[0]).queryset.query.is_sliced:
            raise TypeError(f"{self.__name__} has a limit of its own: it cannot be paginated")
        return Paginated(self, arguments)


@dataclass
class Paginated(Generic[M]):
    """What Django's Paginator reads a prepared query by: its count and its pages."""

    query: Prepared[M]
    arguments: dict[str, object]

    def count(self) -> int:
        return self.query.count(**self.arguments)

    def __getitem__(self, page: slice) -> list[M]:
        if not isinstance(page, slice) or page.step is not None or page.stop is None:
            raise TypeError("A prepared query is read a page at a time: [start:stop]")
        start = page.start or 0
        if start >= page.stop:  # the page of nothing that a count of none asks for
            return []
        return list(self.query._queryset(self.arguments, slice(start, page.stop)))


def _shallow(thing: T, cls: type | None = None) -> T:
    """A copy sharing the original's attributes (copy.copy would evaluate a queryset)."""
    copied = object.__new__(cls or type(thing))
    copied.__dict__.update(thing.__dict__)
    return copied


def _kind(kind: object) -> type:
    """int, str or date; `int | None` is an int that may be None."""
    args = set(getattr(kind, "__args__", ())) - {NoneType}
    found = args.pop() if len(args) == 1 else kind
    if found not in KINDS:
        raise TypeError(f"A prepared query's argument is an int, a str or a date, not {kind}")
    return found


def prepared(**kinds: object) -> Callable[[Callable[..., QuerySet[M]]], Prepared[M]]:
    """Declare a query function's arguments and their kinds, and prepare it:

    @prepared(user=int, pk=int, trust=int | None, today=datetime.date)
    def _policy(user, pk, trust, today): return Policy.objects.filter(...)
    """
    for kind in kinds.values():
        _kind(kind)
    return lambda build: Prepared(build, kinds)
