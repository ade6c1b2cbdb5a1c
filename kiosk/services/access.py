"""The permission check every protected service method makes, with the acting user.

``Access.check(session, by, act)`` runs inside the service's own transaction: it
reads the acting user again (a user deactivated or given another role meanwhile,
from the screen or from kiosk-admin, is judged as they are now), and lets the act
through when the user's role holds it, or when ``by`` carries a ``Grant`` for exactly
this act: someone who holds it typed their PIN at the prompt for it
(``UserService.authorize``). A grant is good for one act, once: it is reserved by the
transaction that uses it and spent when that transaction commits (a transaction
that fails, say on a typing mistake, gives it back), and it expires after a few
minutes unused.

The check returns an ``Authority`` (who acted, who authorised) for the audit row the
service writes in the same transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.orm import Session

from db.models import User
from kiosk.core.permissions import RANK, Act, Permissions, Role, act_label, role_label
from kiosk.core.staff_errors import ActNotPermitted, UserInactive
from kiosk.i18n import N_, translate

if TYPE_CHECKING:
    from db.engine import Database

GRANT_TTL_S = 300.0  # an authorisation not used within five minutes lapses


class Grant:
    """One authorisation: ``authoriser`` typed their PIN so that the user ``for_user``
    may do ``act`` once. Thread-safe; spent at most once."""

    def __init__(self, act: Act, authoriser: UserInfo, for_user: int | None, *, ttl_s: float = GRANT_TTL_S,
                 clock: Callable[[], float] = time.monotonic):
        self.act = Act(act)
        self.authoriser = authoriser
        self.for_user = for_user
        self._clock = clock
        self._expires = clock() + ttl_s
        self._state = "fresh"  # fresh -> reserved -> spent (or back to fresh on rollback)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Grant({self.act.value} by {self.authoriser.name} for {self.for_user}, {self._state})"

    @property
    def usable(self) -> bool:
        return self._state == "fresh" and self._clock() < self._expires

    def reserve(self) -> bool:
        with self._lock:
            if self._state != "fresh" or self._clock() >= self._expires:
                return False
            self._state = "reserved"
            return True

    def release(self) -> None:
        with self._lock:
            if self._state == "reserved":
                self._state = "fresh"

    def spend(self) -> None:
        with self._lock:
            self._state = "spent"

    def revoke(self) -> None:
        """The screen was locked or left: the authorisation is no longer wanted."""
        self.spend()


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: Role
    active: bool = True
    must_change_pin: bool = False
    # An authorisation for one act carried along with the acting user (see Grant).
    grant: Grant | None = field(default=None, compare=False, repr=False)

    def can(self, role: Role) -> bool:
        """Rank comparison (who may authorise what is decided by acts, see Access)."""
        return RANK[self.role] >= RANK[role]

    def with_grant(self, grant: Grant | None) -> UserInfo:
        return replace(self, grant=grant)


# kiosk-admin run on the box (root or the kiosk user): the technician, trusted with
# every act; not a row of ``users`` (audit rows show no user and the command's origin).
TECHNICIAN = UserInfo(0, "kiosk-admin", Role.ADMIN)


@dataclass(frozen=True)
class Authority:
    """Who did an act and, when their role lacked it, who authorised it."""

    user: UserInfo
    authorised_by: UserInfo | None = None

    @property
    def user_id(self) -> int:
        return self.user.id

    @property
    def authoriser_id(self) -> int | None:
        return self.authorised_by.id if self.authorised_by else None


class Access:
    def __init__(self, permissions: Permissions | None = None):
        self.permissions = permissions or Permissions()

    # --- questions the UI asks (hints only: the services decide) ------------------------
    def allows(self, user: UserInfo | None, act: Act) -> bool:
        return user is not None and self.permissions.allows(user.role, act)

    def roles_text(self, act: Act) -> str:
        """"manager or admin": who may do (and so authorise) ``act``."""
        labels = [role_label(r) for r in self.permissions.roles_with(act)]
        if len(labels) == 1:
            return labels[0]
        return translate(N_("{first} or {last}")).format(first=", ".join(labels[:-1]), last=labels[-1])

    def precheck(self, by: UserInfo, act: Act) -> None:
        """Refuse early, before any work, when ``by``'s role (as signed in) lacks the act
        and no unused authorisation for it came along. Not the check: that is
        ``check``, in the transaction that does the act."""
        act = Act(act)
        if by is TECHNICIAN or self.permissions.allows(by.role, act):
            return
        grant = by.grant
        if grant is None or grant.act is not act or grant.for_user != by.id or not grant.usable:
            raise self.refusal(by, act)

    def refusal(self, user: UserInfo, act: Act) -> ActNotPermitted:
        return ActNotPermitted(act=act_label(act), name=user.name, roles=self.roles_text(act))

    # --- the check ------------------------------------------------------------------------
    def current_user(self, s: Session, user: UserInfo) -> UserInfo:
        """``user`` as the database has them now; raises UserInactive."""
        row = s.get(User, user.id)
        if row is None or not row.active:
            raise UserInactive(name=row.name if row is not None else user.name)
        return replace(user, name=row.name, role=Role(row.role), active=True)

    def check(self, s: Session, by: UserInfo, act: Act) -> Authority:
        """Inside the caller's transaction: may ``by`` do ``act`` now? Raises
        UserInactive or ActNotPermitted; a grant it uses is spent when ``s`` commits."""
        act = Act(act)
        if by is TECHNICIAN:
            return Authority(by)
        user = self.current_user(s, by)
        if self.permissions.allows(user.role, act):
            return Authority(user)
        grant = by.grant
        if grant is not None and grant.act is act and grant.for_user == user.id and grant.reserve():
            try:
                authoriser = self.current_user(s, grant.authoriser)
            except UserInactive:
                grant.release()
                raise self.refusal(user, act) from None
            if not self.permissions.allows(authoriser.role, act):
                grant.release()
                raise self.refusal(user, act)
            _spend_on_commit(s, grant)
            return Authority(user, authoriser)
        raise self.refusal(user, act)

    def require(self, db: Database, by: UserInfo, act: Act) -> Authority:
        """The check in a transaction of its own, for acts that write nothing else
        (a test ticket); a grant used here is spent at once."""
        with db.read() as s:
            return self.check(s, by, act)

    def check_role(self, name: str, role: str, active: bool, act: Act, *, by: UserInfo | None = None,
                   authoriser: Callable[[int], tuple[str, str, bool] | None] | None = None) -> Grant | None:
        """The check for hot paths that read the user row themselves (checkout, in plain
        SQL): the row's user is active and their role holds ``act``, or ``by`` (that
        user, as signed in) brings an unused grant for it whose authoriser, read now
        through ``authoriser(id) -> (name, role, active)``, still holds it. A grant
        returned is reserved: the caller spends it once its transaction has committed
        and releases it if the transaction fails (a retry may use it again)."""
        act = Act(act)
        if not active:
            raise UserInactive(name=name)
        if self.permissions.allows(role, act):
            return None
        grant = by.grant if by is not None else None
        if grant is not None and authoriser is not None and grant.act is act and grant.for_user == by.id \
                and grant.reserve():
            row = authoriser(grant.authoriser.id)
            if row is not None and row[2] and self.permissions.allows(row[1], act):
                return grant
            grant.release()
        raise ActNotPermitted(act=act_label(act), name=name, roles=self.roles_text(act))


def _spend_on_commit(s: Session, grant: Grant) -> None:
    def committed(_session: Session) -> None:
        grant.spend()

    def rolled_back(_session: Session, _previous=None) -> None:  # noqa: ANN001
        grant.release()

    event.listen(s, "after_commit", committed, once=True)
    event.listen(s, "after_soft_rollback", rolled_back, once=True)
