"""Users, PINs, sign-in and the authorising PIN of a prompt.

**The PIN identifies the user** (as on a till), so PINs are unique among active
users. A new PIN follows the policy of ``[security]`` (kiosk/core/pin_policy.py): ASCII
digits, the configured length, not the default PIN, not all one digit, not a straight
run; and no other active user may have it.

**Hashes**: salted scrypt with N = 2^17, r = 8, p = 1 (OWASP's minimum), about 0.4 s
on the development machine and more on a Raspberry Pi. Hashes made with weaker
parameters are replaced at the user's next successful sign-in. Finding who typed a
PIN by trying every user's hash would cost one scrypt per user, so each user also
has a keyed look-up value, HMAC-SHA256 of the PIN under a random key kept in a file
beside the database (``pin-lookup.key``, mode 0600): sign-in finds the one candidate
by that value and checks a single scrypt hash. A stolen database or backup alone does
not give the key, so its PINs still cost an scrypt per guess; with the key, the six
digits fall in a second, as they would to anyone who can read the kiosk's files on the
box anyway. Users whose look-up value is missing or made with another key (an old
database, a restored backup, a lost key file) are checked one scrypt each and get a
new look-up value when they next sign in.

**Wrong PINs** are counted per till in the database (a restart does not reset the
count). After ``free_attempts`` failures every attempt waits longer (base, 2x, 4x,
... up to ``lockout_max_s``), at the lock screen and at every authorising prompt
alike. At a prompt that needs an act, the right PIN of someone who lacks that act is a
failure too. Only a success of the level the failures were aimed at ends the run: an
authorisation by someone who holds the act, and at the lock screen a sign-in by a
manager or admin. So a cashier cannot wipe the count with their own PIN between
guesses. ``clear_lockout`` (kiosk-admin users unlock) ends a wait.

Sign-ins, failed PINs, authorisations and every change to a user are written to the
audit log in the same transaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from db.engine import Database
from db.models import LOCAL_TILL_ID, Setting, User, utcnow
from kiosk.core.errors import NotFound, NotPermitted, PinInUse, PinThrottled, WrongPin
from kiosk.core.permissions import RANK, ROLE_LABELS, Act, Permissions, Role, act_label
from kiosk.core.pin_policy import PinPolicy, is_pin_text
from kiosk.core.staff_errors import (
    AuthorisationRefused,
    DuplicateUserName,
    InvalidUserName,
    LastAdmin,
    NewPinNeeded,
    UnknownRole,
    UserInactive,
)
from kiosk.core.text import fold
from kiosk.i18n import N_, translate
from kiosk.services import audit
from kiosk.services.access import TECHNICIAN, Access, Authority, Grant, UserInfo
from kiosk.services.sync_edits import local_only

log = logging.getLogger(__name__)

# OWASP's minimum for scrypt; 128 * N * r bytes = 128 MiB of memory per hash.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
SCRYPT_MAXMEM = 256 * 2**20
THROTTLE_KEY = f"auth.throttle.{LOCAL_TILL_ID}"
LOOKUP_KEY_FILE = "pin-lookup.key"
SIGN_IN_LEVEL = RANK[Role.MANAGER]  # who ends a run of wrong PINs typed at the lock screen

__all__ = ["RANK", "ROLE_LABELS", "TECHNICIAN", "Role", "UserInfo", "UserRow", "UserService", "hash_pin",
           "verify_pin"]


def hash_pin(pin: str, *, salt: bytes | None = None, n: int = SCRYPT_N) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32, maxmem=SCRYPT_MAXMEM)
    b64 = base64.b64encode
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected), maxmem=SCRYPT_MAXMEM)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def needs_rehash(stored: str) -> bool:
    try:
        scheme, n, r, p, _salt, _digest = stored.split("$")
        return scheme != "scrypt" or int(n) < SCRYPT_N or int(r) < SCRYPT_R or int(p) < SCRYPT_P
    except ValueError:
        return True


class PinLookup:
    """The keyed look-up value of a PIN (see the module docstring). The key is made on
    first use, mode 0600, and handed to the owner of its folder when made by root."""

    def __init__(self, key: bytes):
        self._key = key
        self.key_id = hashlib.sha256(key).hexdigest()[:8]

    @classmethod
    def from_file(cls, path: Path) -> PinLookup | None:
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            key = cls._create(path)
        except OSError as exc:
            log.warning("PIN look-up key %s unreadable (%s): every sign-in checks each user's hash", path, exc)
            return None
        if key is None or len(key) < 32:
            log.warning("PIN look-up key %s missing or too short: every sign-in checks each user's hash", path)
            return None
        return cls(key)

    @staticmethod
    def _create(path: Path) -> bytes | None:
        from kiosk.appliance.ownership import give_to, owner_of

        key = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()
        except OSError as exc:
            log.warning("cannot create the PIN look-up key %s: %s", path, exc)
            return None
        try:
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        give_to(owner_of(path.parent), path)
        return key

    def value(self, pin: str) -> str:
        return f"{self.key_id}:{hmac.new(self._key, pin.encode(), hashlib.sha256).hexdigest()}"

    def current(self, stored: str | None) -> bool:
        return bool(stored) and stored.startswith(self.key_id + ":")


@dataclass(frozen=True)
class UserRow:
    """A line of the Usuarios screen and of ``kiosk-admin users list``."""

    id: int
    name: str
    role: Role
    active: bool
    last_login_at: datetime | None  # UTC
    must_change_pin: bool

    @property
    def role_text(self) -> str:
        return translate(ROLE_LABELS[self.role])


@dataclass(frozen=True)
class _Match:
    user: UserInfo
    rehash: str | None  # a new hash when the stored one is weaker than today's
    lookup: str | None  # the look-up value to store when the stored one is missing or stale


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.name, Role(user.role), bool(user.active), bool(user.must_change_pin))


def _facts(user: User) -> dict:
    return {"name": user.name, "role": user.role, "active": bool(user.active)}


class UserService:
    def __init__(self, db: Database, *, access: Access | None = None, default_admin_pin: str = "000000",
                 min_length: int = 6, max_length: int = 8, free_attempts: int = 5, lockout_base_s: int = 30,
                 lockout_max_s: int = 300, key_path: Path | None = None, clock: Callable[[], float] = time.time):
        self.db = db
        self.access = access or Access()
        self.default_admin_pin = default_admin_pin
        self.policy = PinPolicy(min_length, max_length, default_admin_pin)
        self.free_attempts = free_attempts
        self.lockout_base_s = lockout_base_s
        self.lockout_max_s = lockout_max_s
        self.clock = clock
        self.lookup = PinLookup.from_file(key_path) if key_path is not None else None

    @property
    def permissions(self) -> Permissions:
        return self.access.permissions

    @property
    def min_length(self) -> int:
        return self.policy.min_length

    @property
    def max_length(self) -> int:
        return self.policy.max_length

    # --- first start -----------------------------------------------------------------
    def ensure_default_admin(self) -> UserInfo | None:
        """First start: the admin with the configured default PIN, who must replace it
        before anything else. On an existing database, users still on the default PIN
        from before this check existed are flagged the same way."""
        with self.db.read() as s:
            exists = s.scalar(select(User.id).limit(1)) is not None
        if exists:
            self._flag_default_pins()
            return None
        pin_hash = hash_pin(self.default_admin_pin)
        with self.db.write() as s:
            if s.scalar(select(User.id).limit(1)) is not None:
                return None
            user = User(name=translate(N_("Administrator")), role=Role.ADMIN.value, pin_hash=pin_hash,
                        pin_lookup=self._lookup(self.default_admin_pin), must_change_pin=True)
            s.add(user)
            s.flush()
            audit.record(s, "user_created", user.name, after=_facts(user), origin="system")
            return _info(user)

    def _flag_default_pins(self) -> None:
        """Users without a current look-up value whose PIN is the default one (checked
        once per such user: a look-up value is stored either way when it matches)."""
        with self.db.read() as s:
            rows = [(u.id, u.pin_hash) for u in s.scalars(
                select(User).where(User.active.is_(True), User.must_change_pin.is_(False)))
                if self.lookup is None or not self.lookup.current(u.pin_lookup)]
        default_lookup = self._lookup(self.default_admin_pin)
        hits = [uid for uid, stored in rows if verify_pin(self.default_admin_pin, stored)]
        if not hits:
            return
        with self.db.write() as s:
            local_only(s)  # this till's own check, offline too
            for uid in hits:
                user = s.get(User, uid)
                user.must_change_pin = True
                if default_lookup:
                    user.pin_lookup = default_lookup

    def default_pin_in_use(self) -> bool:
        with self.db.read() as s:
            return s.scalar(select(User.id).where(User.active.is_(True), User.must_change_pin.is_(True))
                            .limit(1)) is not None

    # --- reading -----------------------------------------------------------------------
    def users(self, include_inactive: bool = False) -> list[UserInfo]:
        stmt = select(User).order_by(User.name)
        if not include_inactive:
            stmt = stmt.where(User.active.is_(True))
        with self.db.read() as s:
            return [_info(u) for u in s.scalars(stmt)]

    def rows(self, include_inactive: bool = True) -> list[UserRow]:
        """Active users first, then by name."""
        stmt = select(User).order_by(User.active.desc(), User.name)
        if not include_inactive:
            stmt = stmt.where(User.active.is_(True))
        with self.db.read() as s:
            return [UserRow(u.id, u.name, Role(u.role), bool(u.active), u.last_login_at, bool(u.must_change_pin))
                    for u in s.scalars(stmt)]

    def get(self, user_id: int | None = None, name: str | None = None) -> UserInfo:
        with self.db.read() as s:
            return _info(self._row(s, user_id, name))

    @staticmethod
    def _row(s, user_id: int | None = None, name: str | None = None) -> User:  # noqa: ANN001
        if user_id is not None:
            user = s.get(User, user_id)
        else:
            key = fold((name or "").strip())
            user = next((u for u in s.scalars(select(User)) if fold(u.name) == key), None)
        if user is None:
            raise NotFound(what=name or translate(N_("user {id}")).format(id=user_id))
        return user

    # --- PINs ---------------------------------------------------------------------------
    def _lookup(self, pin: str) -> str | None:
        return self.lookup.value(pin) if self.lookup is not None else None

    def _stale(self, stored: str | None) -> bool:
        return self.lookup is None or not self.lookup.current(stored)

    def _find(self, pin: str, *, active_only: bool = False) -> _Match | None:
        """Whose PIN this is (slow: scrypt). Runs outside any write transaction."""
        if not is_pin_text(pin) or len(pin) > 64:
            return None
        lookup = self._lookup(pin)
        with self.db.read() as s:
            stmt = select(User)
            if active_only:
                stmt = stmt.where(User.active.is_(True))
            candidates = list(s.scalars(stmt.where(User.pin_lookup == lookup).order_by(User.active.desc()))) \
                if lookup else []
            stale = [u for u in s.scalars(stmt.where(User.active.is_(True)).order_by(User.id))
                     if self._stale(u.pin_lookup) and u not in candidates]
        for user in [*candidates, *stale]:
            if verify_pin(pin, user.pin_hash):
                rehash = hash_pin(pin) if needs_rehash(user.pin_hash) else None
                return _Match(_info(user), rehash, lookup if lookup != user.pin_lookup else None)
        return None

    def _pin_taken(self, s, pin: str, except_id: int | None) -> bool:  # noqa: ANN001
        """Another active user has this PIN (inside the caller's write transaction)."""
        lookup = self._lookup(pin)
        for user in s.scalars(select(User).where(User.active.is_(True))):
            if user.id == except_id:
                continue
            if lookup and user.pin_lookup == lookup and verify_pin(pin, user.pin_hash):
                return True
            if self._stale(user.pin_lookup) and verify_pin(pin, user.pin_hash):
                return True
        return False

    def _store_pin(self, user: User, pin: str, pin_hash: str) -> None:
        user.pin_hash = pin_hash
        user.pin_lookup = self._lookup(pin)

    # --- managing users (the ``manage_users`` act) -------------------------------------------
    def _check_name(self, s, name: str, except_id: int | None) -> str:  # noqa: ANN001
        name = " ".join(name.split())
        if not name:
            raise InvalidUserName(reason=translate(N_("is required")))
        if len(name) > 64:
            raise InvalidUserName(reason=translate(N_("may have at most {count} characters")).format(count=64))
        key = fold(name)
        for uid, other in s.execute(select(User.id, User.name)):
            if uid != except_id and fold(other) == key:
                raise DuplicateUserName(name=other)
        return name

    @staticmethod
    def _role(role: Role | str) -> Role:
        try:
            return Role(role)
        except ValueError:
            raise UnknownRole(role=str(role)) from None

    def _authority(self, s, by: UserInfo, act: Act) -> Authority:  # noqa: ANN001
        return self.access.check(s, by, act)

    def create_user(self, name: str, role: Role | str, pin: str, by: UserInfo = TECHNICIAN) -> UserInfo:
        role = self._role(role)
        self.policy.check(pin)
        pin_hash = hash_pin(pin)
        with self.db.write() as s:
            who = self._authority(s, by, Act.MANAGE_USERS)
            name = self._check_name(s, name, None)
            if self._pin_taken(s, pin, None):
                raise PinInUse()
            user = User(name=name, role=role.value, pin_hash=pin_hash, pin_lookup=self._lookup(pin))
            s.add(user)
            s.flush()
            audit.record(s, "user_created", user.name, after=_facts(user), by=who)
            return _info(user)

    def check_name(self, name: str, except_id: int | None = None) -> str:
        """The name as it would be stored; raises InvalidUserName or DuplicateUserName
        (the Usuarios screen asks before the PIN is typed)."""
        with self.db.read() as s:
            return self._check_name(s, name, except_id)

    def update(self, user_id: int, *, name: str | None = None, role: Role | str | None = None,
               by: UserInfo = TECHNICIAN) -> UserInfo:
        """Rename and/or change the role in one act (the Usuarios screen's Save)."""
        new_role = self._role(role) if role is not None else None
        with self.db.write() as s:
            who = self._authority(s, by, Act.MANAGE_USERS)
            user = self._row(s, user_id)
            if name is not None:
                name = self._check_name(s, name, user.id)
                if name != user.name:
                    old = user.name
                    user.name = name
                    audit.record(s, "user_renamed", name, before={"name": old}, after={"name": name}, by=who)
            if new_role is not None and user.role != new_role.value:
                self._change_role(s, user, new_role, who)
            return _info(user)

    def _change_role(self, s, user: User, role: Role, who: Authority) -> None:  # noqa: ANN001
        if user.role == Role.ADMIN.value and user.active and self._active_admins(s) <= 1:
            raise LastAdmin(name=user.name)
        old = user.role
        user.role = role.value
        audit.record(s, "role_changed", user.name, before={"role": old}, after={"role": role.value}, by=who)

    def rename(self, user_id: int, name: str, by: UserInfo = TECHNICIAN) -> UserInfo:
        with self.db.write() as s:
            who = self._authority(s, by, Act.MANAGE_USERS)
            user = self._row(s, user_id)
            name = self._check_name(s, name, user.id)
            if name != user.name:
                old = user.name
                user.name = name
                audit.record(s, "user_renamed", name, before={"name": old}, after={"name": name}, by=who)
            return _info(user)

    def _active_admins(self, s) -> int:  # noqa: ANN001
        return s.scalar(select(func.count(User.id)).where(User.active.is_(True), User.role == Role.ADMIN.value))

    def set_role(self, user_id: int, role: Role | str, by: UserInfo = TECHNICIAN) -> UserInfo:
        role = self._role(role)
        with self.db.write() as s:
            who = self._authority(s, by, Act.MANAGE_USERS)
            user = self._row(s, user_id)
            if user.role != role.value:
                self._change_role(s, user, role, who)
            return _info(user)

    def set_pin(self, user_id: int, pin: str, by: UserInfo = TECHNICIAN) -> None:
        """Give a user a new PIN (an admin on the Usuarios screen, kiosk-admin set-pin).
        A user giving themselves a new PIN goes through change_own_pin."""
        if by is not TECHNICIAN and by.id == user_id:
            self.change_own_pin(by, pin)
            return
        self.policy.check(pin)
        pin_hash = hash_pin(pin)
        with self.db.write() as s:
            who = self._authority(s, by, Act.MANAGE_USERS)
            user = self._row(s, user_id)
            if self._pin_taken(s, pin, user.id):
                raise PinInUse()
            self._store_pin(user, pin, pin_hash)
            user.must_change_pin = False
            audit.record(s, "pin_changed", user.name, by=who)

    def change_own_pin(self, user: UserInfo, pin: str) -> UserInfo:
        """The signed-in user replaces their own PIN (the forced change of the default
        PIN). Typing a PIN another user has counts as a wrong PIN: otherwise this
        screen would tell a cashier which PINs exist."""
        self.policy.check(pin)
        pin_hash = hash_pin(pin)
        now = self.clock()
        with self.db.write() as s:
            state = self._throttle(s)
            if state["until"] > now:
                raise PinThrottled(seconds=math.ceil(state["until"] - now))
            current = self.access.current_user(s, user)
            row = s.get(User, user.id)
            if self._pin_taken(s, pin, user.id):
                until = self._fail(s, state, now, SIGN_IN_LEVEL)
                audit.record(s, "pin_failed", translate(N_("new PIN already in use")), by=current)
                taken = True
            else:
                self._store_pin(row, pin, pin_hash)
                row.must_change_pin = False
                audit.record(s, "pin_changed", row.name, by=current)
                taken = False
        if taken:
            if until:
                raise PinThrottled(seconds=math.ceil(until - now))
            raise PinInUse()
        return _info(row)

    def set_active(self, user_id: int, active: bool, by: UserInfo = TECHNICIAN, *, new_pin: str | None = None) -> None:
        """Users are deactivated, never deleted: their sales refer to them. Reactivating
        a user whose PIN another active user has meanwhile needs ``new_pin``."""
        pin_hash = None
        if new_pin is not None:
            self.policy.check(new_pin)
            pin_hash = hash_pin(new_pin)
        with self.db.write() as s:
            who = self._authority(s, by, Act.MANAGE_USERS)
            user = self._row(s, user_id)
            if bool(user.active) == active and new_pin is None:
                return
            if not active and user.role == Role.ADMIN.value and self._active_admins(s) <= 1:
                raise LastAdmin(name=user.name)
            if active:
                if new_pin is not None:
                    if self._pin_taken(s, new_pin, user.id):
                        raise PinInUse()
                    self._store_pin(user, new_pin, pin_hash)
                elif self._hash_taken(s, user):
                    raise NewPinNeeded(name=user.name)
            before = _facts(user)
            user.active = active
            audit.record(s, "user_activated" if active else "user_deactivated", user.name,
                         before={"active": before["active"]}, after={"active": active}, by=who)

    def _hash_taken(self, s, user: User) -> bool:  # noqa: ANN001
        """Could reactivating ``user`` give two active users one PIN? Decided by the
        look-up values (the PIN itself is not known here); when a value is missing or
        made with another key, nobody can tell, and a new PIN is asked for."""
        if self._stale(user.pin_lookup):
            return True
        others = list(s.scalars(select(User).where(User.active.is_(True), User.id != user.id)))
        return any(self._stale(o.pin_lookup) or o.pin_lookup == user.pin_lookup for o in others)

    # --- wrong PINs: the per-till wait ----------------------------------------------------------
    def _throttle(self, s) -> dict:  # noqa: ANN001
        row = s.get(Setting, THROTTLE_KEY)
        state = json.loads(row.value) if row else {}
        return {"failures": int(state.get("failures", 0)), "until": float(state.get("until", 0.0)),
                "level": int(state.get("level", 0))}

    def _save_throttle(self, s, state: dict) -> None:  # noqa: ANN001
        s.merge(Setting(key=THROTTLE_KEY, value=json.dumps(state)))

    def _fail(self, s, state: dict, now: float, level: int) -> float:  # noqa: ANN001
        failures = state["failures"] + 1
        over = failures - self.free_attempts
        until = now + min(self.lockout_max_s, self.lockout_base_s * 2**over) if over >= 0 else 0.0
        self._save_throttle(s, {"failures": failures, "until": until, "level": max(level, state["level"])})
        return until

    def _succeed(self, s, state: dict, rank: int) -> None:  # noqa: ANN001
        if state["failures"] and rank >= state["level"]:
            self._save_throttle(s, {"failures": 0, "until": 0.0, "level": 0})

    def wait_seconds(self) -> int:
        """Seconds until the next PIN may be tried (0 when allowed now)."""
        with self.db.read() as s:
            state = self._throttle(s)
        return max(0, math.ceil(state["until"] - self.clock()))

    def failures(self) -> int:
        with self.db.read() as s:
            return self._throttle(s)["failures"]

    def clear_lockout(self, by: UserInfo = TECHNICIAN) -> int:
        """End the wait and the run of failures (kiosk-admin users unlock); returns how
        many failures there were."""
        with self.db.write() as s:
            who = self._authority(s, by, Act.MANAGE_USERS)
            state = self._throttle(s)
            self._save_throttle(s, {"failures": 0, "until": 0.0, "level": 0})
            audit.record(s, "lockout_cleared", "", before={"failures": state["failures"]}, by=who)
            return state["failures"]

    def _throttled(self, now: float) -> None:
        with self.db.read() as s:
            state = self._throttle(s)
        if state["until"] > now:
            raise PinThrottled(seconds=math.ceil(state["until"] - now))

    # --- the lock screen ------------------------------------------------------------------------
    def authenticate(self, pin: str, event: str = "sign_in") -> UserInfo:
        """The active user whose PIN this is. Raises PinThrottled, WrongPin, or
        UserInactive (a deactivated user's PIN: a failure too). Slow (scrypt): the UI
        calls it from a worker thread."""
        now = self.clock()
        self._throttled(now)
        match = self._find(pin)
        with self.db.write() as s:
            state = self._throttle(s)
            if state["until"] > now:
                raise PinThrottled(seconds=math.ceil(state["until"] - now))
            row = s.get(User, match.user.id) if match else None
            if row is None or not row.active:
                until = self._fail(s, state, now, SIGN_IN_LEVEL)
                audit.record(s, "pin_failed", translate(N_("lock screen")),
                             after={"attempt": state["failures"] + 1,
                                    **({"pin_of": row.name, "inactive": True} if row is not None else {})})
                failed_user = row.name if row is not None else None
            else:
                self._succeed(s, state, RANK[Role(row.role)])
                self._refresh(row, match)
                row.last_login_at = utcnow()
                audit.record(s, event, row.name, by=_info(row))
                return _info(row)
        if until:
            raise PinThrottled(seconds=math.ceil(until - now))
        if failed_user is not None:
            raise UserInactive(name=failed_user)
        raise WrongPin(remaining=max(0, self.free_attempts - state["failures"] - 1))

    def unlock(self, pin: str) -> UserInfo:
        return self.authenticate(pin, event="unlock")

    @staticmethod
    def _refresh(row: User, match: _Match) -> None:
        if match.rehash:
            local_only(object_session(row))  # a stronger hash of the same PIN: offline too
            row.pin_hash = match.rehash
        if match.lookup:
            row.pin_lookup = match.lookup

    # --- the prompt of an act --------------------------------------------------------------------
    def authorize(self, pin: str, act: Act | str, for_user: UserInfo | None = None) -> Grant:
        """Someone who holds ``act`` types their PIN so that ``for_user`` may do it,
        once: the returned Grant travels with ``for_user.with_grant(grant)`` to the
        service call, which spends it. A wrong PIN, or the PIN of someone without the
        act (the signed-in cashier's own included), is a failure; the refusal does not
        say which."""
        act = Act(act)
        now = self.clock()
        self._throttled(now)
        match = self._find(pin, active_only=True)
        level = self.permissions.level(act)
        with self.db.write() as s:
            state = self._throttle(s)
            if state["until"] > now:
                raise PinThrottled(seconds=math.ceil(state["until"] - now))
            row = s.get(User, match.user.id) if match else None
            ok = row is not None and row.active and self.permissions.allows(row.role, act)
            if ok:
                self._succeed(s, state, RANK[Role(row.role)])
                self._refresh(row, match)
                authoriser = _info(row)
                audit.record(s, "authorised", act.value, by=for_user, authorised_by=authoriser)
            else:
                until = self._fail(s, state, now, level)
                audit.record(s, "authorisation_refused", act.value, by=for_user,
                             after={"attempt": state["failures"] + 1,
                                    **({"pin_of": row.name} if row is not None else {})})
        if ok:
            return Grant(act, authoriser, for_user.id if for_user else None)
        if until:
            raise PinThrottled(seconds=math.ceil(until - now))
        raise AuthorisationRefused(act=act_label(act), roles=self.access.roles_text(act))

    def authorize_user(self, pin: str, act: Act | str) -> UserInfo:
        """kiosk-admin asking for a PIN (``drawer open``): the user the PIN belongs
        to, who must hold ``act`` (throttled and recorded like a prompt)."""
        return self.authorize(pin, act).authoriser

    # --- other events ---------------------------------------------------------------------------
    def record(self, user: UserInfo | None, event: str, detail: str = "") -> None:
        """A lock, automatic lock or sign-out."""
        with self.db.write() as s:
            audit.record(s, event, detail or (user.name if user else ""), by=user)

    @staticmethod
    def require(user: UserInfo, role: Role) -> None:
        """Rank check (kept for callers outside this area; acts are checked by Access)."""
        if not user.can(role):
            raise NotPermitted(role=translate(ROLE_LABELS[role]))
