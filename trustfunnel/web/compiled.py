"""ORM querysets compiled to SQL once per database connection, run with fresh values.

Every page and API call reads the same two or three small rows before it does its work:
the session, and the user with their memberships (one join). Building and compiling
those querysets through the ORM cost more CPU than the database spent answering them
(a third of an API list request). :class:`CompiledQuery` compiles such a queryset once
for each connection object and, per request, executes the stored SQL with the new value
and builds the instances (with their ``select_related`` rows) as the ORM would:
converters, ``from_db`` and the related populators are Django's own.

Only for querysets whose SQL does not depend on the value (an equality on one column):
the value is the query's single parameter. Nothing is cached but the SQL text: the rows
are read fresh on every call.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

_PLANS_ATTR = "_trustfunnel_compiled_plans"


class _Plan:
    """The SQL, converters and row-to-instance layout for one connection."""

    def __init__(self, queryset: QuerySet, connection, placeholder):
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if list(params) != [placeholder]:
            raise ValueError(f"{queryset.model.__name__}: a compiled query takes exactly one "
                             f"parameter, the looked-up value; it had {list(params)!r}")
        self.sql = sql
        select, klass_info = compiler.select, compiler.klass_info
        self.converters = compiler.get_converters([column[0] for column in select])
        self.apply_converters = compiler.apply_converters
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.attnames = [column[0].target.attname for column in select[self.start:self.end]]
        self.model = klass_info["model"]
        self.related_populators = get_related_populators(klass_info, select, connection.alias)


class CompiledQuery:
    """``CompiledQuery(lambda value: Model.objects.filter(col=value)..., placeholder)``;
    then ``run(value)``.

    ``build`` receives ``placeholder`` (a value of the column's type that no real row
    has) and must return the queryset with that value as its only parameter. The list
    of model instances comes back exactly as iterating the queryset would give it (same
    SQL, same converters, same related instances).
    """

    def __init__(self, build: Callable[[object], QuerySet], placeholder):
        self.build = build
        self.placeholder = placeholder

    def _plan(self, queryset: QuerySet, connection) -> _Plan:
        # Kept on the connection object (one per thread and alias): a plan refers to its
        # connection (converters), so it goes when the connection object goes.
        plans = connection.__dict__.setdefault(_PLANS_ATTR, {})
        plan = plans.get(self)
        if plan is None:
            plan = plans[self] = _Plan(queryset, connection, self.placeholder)
        return plan

    def run(self, value) -> list[Model]:
        template = self._template
        alias = router.db_for_read(template.model)
        connection = connections[alias]
        plan = self._plan(template, connection)
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, [value])
            rows = cursor.fetchall()
        if plan.converters:
            rows = plan.apply_converters(rows, plan.converters)
        instances = []
        for row in rows:
            instance = plan.model.from_db(alias, plan.attnames, row[plan.start:plan.end])
            for populator in plan.related_populators:
                populator.populate(row, instance)
            instances.append(instance)
        return instances

    @property
    def _template(self) -> QuerySet:
        # Built lazily (models are not ready at import time) and kept: only its SQL is
        # used, per connection.
        template = self.__dict__.get("_built")
        if template is None:
            template = self.__dict__["_built"] = self.build(self.placeholder)
        return template
