"""What one reader may see, as plain data: the scope every dashboard read is narrowed to.

``ui/data.py`` turns the signed-in user into an ``Access`` and passes every ``Filters`` through
``scope`` before it reaches ``analysis.query``, so no page can forget the department limit, the
minimum reporting group or the ban on document text for viewers.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from analysis.query import Filters
from analysis.users import Policy, User

LOCAL_USER = "local"


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
        employees (``analysis.suppress``).
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
