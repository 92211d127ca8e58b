"""The scope of a read: the filters a reader asked for (``Filters``) and what the reader may see
(``Access``), as plain data.

``ui/data`` turns the signed-in user into an ``Access`` and passes every ``Filters`` through
``Access.scope`` before it reaches ``analysis.query``, so no page can forget the department limit, the
minimum reporting group or the ban on document text for viewers. ``Filters`` lives here rather than
in ``analysis.query`` because its SQL condition is where the scope (allowed departments, publication
cells) is enforced, and every question in ``analysis.query`` takes one.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from analysis.access import suppress
from analysis.access.users import Policy, User

LOCAL_USER = "local"


@dataclass(frozen=True)
class Filters:
    """The dashboard's sidebar filters; empty means 'all'."""

    departments: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    roles: tuple[str, ...] = ()
    search: str = ""
    doc_ids: tuple[str, ...] = field(default=())
    employees: tuple[tuple[str, str], ...] = ()
    """(department, name) pairs: the documents these people wrote, whatever they mention. Names repeat
    across a company, so a person is always a name within a department; a text search for a name
    would find other people's documents that mention it instead."""
    allowed_departments: tuple[str, ...] | None = None
    """The reader's access scope (``ui/data/cache.py`` sets it for every read): None is every department,
    an empty tuple is none."""
    min_group: int = 0
    """Above 0, figures come only from the publication cells wholly inside these filters, each of at
    least this many employees (``analysis.access.scope.suppress``)."""
    search_hits: tuple[str, ...] | None = None
    """For a masked reader: the documents whose *masked* text contains ``search`` (``ui/data/cache.py``
    sets it from ``analysis.query.masked_search``). The search then never looks inside a phone or ID
    number the reader cannot see, so typing one digit after another cannot recover it."""

    def where(self, alias: str = "d") -> tuple[str, list]:
        """A SQL condition over the documents table and its parameters."""
        cond, params = self._conditions(alias)
        if self.min_group > 0:
            inner, inner_params = self._conditions("x")
            # the cells of the department-years the filters touch only, unless a full-text search would run twice
            narrow = not (self.search.strip() and self.search_hits is None)
            cond = f"{cond} AND {suppress.restrict(inner, self.min_group, alias, narrow)}"
            params = params + inner_params * (2 if narrow else 1)
        return cond, params

    def _conditions(self, alias: str) -> tuple[str, list]:
        parts, params = ["TRUE"], []
        for col, values in (("department", self.departments), ("team", self.teams), ("role", self.roles),
                            ("doc_id", self.doc_ids)):
            if values:
                parts.append(f"{alias}.{col} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        if self.employees:
            parts.append("(" + " OR ".join(f"({alias}.department = ? AND {alias}.employee = ?)"
                                            for _ in self.employees) + ")")
            params.extend(v for pair in self.employees for v in pair)
        if self.allowed_departments is not None:
            if not self.allowed_departments:
                parts.append("FALSE")
            else:
                parts.append(f"{alias}.department IN ({', '.join('?' * len(self.allowed_departments))})")
                params.extend(self.allowed_departments)
        if self.years:
            parts.append(f"{alias}.year BETWEEN ? AND ?")
            params.extend(self.years)
        if self.search.strip() and self.search_hits is not None:
            if not self.search_hits:
                parts.append("FALSE")
            else:
                parts.append(f"{alias}.doc_id IN ({', '.join('?' * len(self.search_hits))})")
                params.extend(self.search_hits)
        elif self.search.strip():
            parts.append(
                f"EXISTS (SELECT 1 FROM sentences s WHERE s.doc_id = {alias}.doc_id "
                "AND (contains(s.text_simplified, ?) OR contains(s.text, ?)))"
            )
            from analysis.read.normalize import to_simplified

            # contains(), not LIKE: a % or _ typed in the search box is a character, not a wildcard
            params.extend([to_simplified(self.search.strip()), self.search.strip()])
        return " AND ".join(parts), params


@dataclass(frozen=True)
class Access:
    user: str
    name: str
    role: str
    departments: tuple[str, ...] | None = None
    """None: every department."""
    min_group: int = 0
    mask: bool = False
    local: bool = False
    """The single-user local mode (no users file): full access on a server bound to this machine."""

    @property
    def may_read_text(self) -> bool:
        """Document text, evidence sentences and per-document rows: not for viewers."""
        return self.role != "viewer"

    @property
    def restricted(self) -> bool:
        return self.role != "hr_admin"

    def scope(self, f: Filters, record: bool = False) -> Filters:
        """``f`` narrowed to this reader.

        A *record* read (a document, its sentences, evidence, per-document rows) is limited to the
        reader's departments, and to nothing for a viewer. Any other read is a group figure: limited to
        the departments and, below hr_admin, to the publication cells of at least ``min_group``
        employees (``analysis.access.scope.suppress``).
        """
        allowed = self.departments
        if record and not self.may_read_text:
            allowed = ()
        return replace(f, allowed_departments=allowed, min_group=0 if record else self.min_group)


def full_access(user: str = LOCAL_USER, name: str = "本机用户", local: bool = True) -> Access:
    return Access(user=user, name=name, role="hr_admin", local=local)


def for_user(user: User, policy: Policy) -> Access:
    if user.role == "hr_admin":
        return full_access(user.username, user.name, local=False)
    return Access(user=user.username, name=user.name, role=user.role,
                  departments=user.departments if user.role == "dept_head" else None,
                  min_group=max(int(policy.min_group), 0), mask=policy.mask)
