"""Users, PINs and the lock screen's rules.

The PIN alone identifies the user (as on a till), so PINs are unique among active
users. PINs are stored as salted scrypt hashes. After ``free_attempts`` wrong PINs
in a row every further attempt waits longer (base, 2x, 4x ... up to a maximum); the
counter is kept in the database so restarting the kiosk does not reset it. Every
login, failed PIN, lock and unlock is recorded in ``auth_events``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from db.engine import Database
from db.models import AuthEvent, Setting, User
from kiosk.core.errors import InvalidPin, NotFound, NotPermitted, PinInUse, PinThrottled, WrongPin
from kiosk.i18n import N_, translate

# scrypt cost: about 50 ms on a Raspberry Pi 4, slow enough to make guessing 10^6
# PINs offline expensive, fast enough for a lock screen with a handful of users.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
THROTTLE_KEY = "auth.throttle"


class Role(StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"
    ADMIN = "admin"


RANK = {Role.CASHIER: 0, Role.MANAGER: 1, Role.ADMIN: 2}
ROLE_LABELS = {Role.CASHIER: N_("cashier"), Role.MANAGER: N_("manager"), Role.ADMIN: N_("admin")}


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: Role
    active: bool = True

    def can(self, role: Role) -> bool:
        return RANK[self.role] >= RANK[role]


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.name, Role(user.role), bool(user.active))


class UserService:
    def __init__(self, db: Database, *, default_admin_pin: str = "000000", min_length: int = 4,
                 max_length: int = 8, free_attempts: int = 5, lockout_base_s: int = 30,
                 lockout_max_s: int = 900, clock: Callable[[], float] = time.time):
        self.db = db
        self.default_admin_pin = default_admin_pin
        self.min_length = min_length
        self.max_length = max_length
        self.free_attempts = free_attempts
        self.lockout_base_s = lockout_base_s
        self.lockout_max_s = lockout_max_s
        self.clock = clock

    # --- accounts -----------------------------------------------------------------
    def ensure_default_admin(self) -> UserInfo | None:
        """First start: create the admin with the configured default PIN."""
        with self.db.write() as s:
            if s.scalar(select(User.id).limit(1)) is not None:
                return None
            user = User(name=translate(N_("Administrator")), role=Role.ADMIN.value,
                        pin_hash=hash_pin(self.default_admin_pin))
            s.add(user)
            s.flush()
            s.add(AuthEvent(user_id=user.id, event="user_created", detail="default admin"))
            return _info(user)

    def users(self, include_inactive: bool = False) -> list[UserInfo]:
        stmt = select(User).order_by(User.name)
        if not include_inactive:
            stmt = stmt.where(User.active.is_(True))
        with self.db.read() as s:
            return [_info(u) for u in s.scalars(stmt)]

    def get(self, user_id: int | None = None, name: str | None = None) -> UserInfo:
        with self.db.read() as s:
            user = s.get(User, user_id) if user_id is not None else \
                s.scalars(select(User).where(User.name == name)).first()
            if user is None:
                raise NotFound(what=name or f"user {user_id}")
            return _info(user)

    def _check_pin_form(self, pin: str) -> None:
        if not (pin.isdigit() and self.min_length <= len(pin) <= self.max_length):
            raise InvalidPin(min_length=self.min_length, max_length=self.max_length)

    def _pin_taken(self, s, pin: str, except_id: int | None) -> bool:  # noqa: ANN001
        for user in s.scalars(select(User).where(User.active.is_(True))):
            if user.id != except_id and verify_pin(pin, user.pin_hash):
                return True
        return False

    def create_user(self, name: str, role: Role | str, pin: str, by: UserInfo | None = None) -> UserInfo:
        self._check_pin_form(pin)
        role = Role(role)
        with self.db.write() as s:
            if self._pin_taken(s, pin, None):
                raise PinInUse()
            user = User(name=name.strip(), role=role.value, pin_hash=hash_pin(pin))
            s.add(user)
            s.flush()
            s.add(AuthEvent(user_id=by.id if by else None, event="user_created", detail=f"{user.name} ({role})"))
            return _info(user)

    def set_pin(self, user_id: int, pin: str, by: UserInfo | None = None) -> None:
        self._check_pin_form(pin)
        with self.db.write() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(what=f"user {user_id}")
            if self._pin_taken(s, pin, user_id):
                raise PinInUse()
            user.pin_hash = hash_pin(pin)
            s.add(AuthEvent(user_id=by.id if by else None, event="pin_changed", detail=user.name))

    def set_active(self, user_id: int, active: bool, by: UserInfo | None = None) -> None:
        """Users are deactivated, never deleted: their sales refer to them."""
        with self.db.write() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(what=f"user {user_id}")
            user.active = active
            s.add(AuthEvent(user_id=by.id if by else None,
                            event="user_activated" if active else "user_deactivated", detail=user.name))

    # --- lock screen ----------------------------------------------------------------
    def _throttle(self, s) -> dict:  # noqa: ANN001
        row = s.get(Setting, THROTTLE_KEY)
        return json.loads(row.value) if row else {"failures": 0, "until": 0.0}

    def _save_throttle(self, s, state: dict) -> None:  # noqa: ANN001
        s.merge(Setting(key=THROTTLE_KEY, value=json.dumps(state)))

    def wait_seconds(self) -> int:
        """Seconds until the next PIN may be tried (0 when allowed now)."""
        with self.db.read() as s:
            state = self._throttle(s)
        return max(0, math.ceil(state["until"] - self.clock()))

    def authenticate(self, pin: str, event: str = "login") -> UserInfo:
        """The active user whose PIN this is; raises WrongPin or PinThrottled."""
        now = self.clock()
        with self.db.read() as s:
            state = self._throttle(s)
            if state["until"] > now:
                raise PinThrottled(seconds=math.ceil(state["until"] - now))
            users = list(s.scalars(select(User).where(User.active.is_(True))))
        match = next((u for u in users if pin and verify_pin(pin, u.pin_hash)), None)
        with self.db.write() as s:
            state = self._throttle(s)
            if match is not None:
                if state["failures"]:
                    self._save_throttle(s, {"failures": 0, "until": 0.0})
                s.add(AuthEvent(user_id=match.id, event=event))
                return _info(match)
            failures = state["failures"] + 1
            over = failures - self.free_attempts
            until = 0.0
            if over >= 0:
                until = now + min(self.lockout_max_s, self.lockout_base_s * 2**over)
            self._save_throttle(s, {"failures": failures, "until": until})
            s.add(AuthEvent(user_id=None, event="pin_failed", detail=f"attempt {failures}"))
        if until:
            raise PinThrottled(seconds=math.ceil(until - now))
        raise WrongPin(remaining=self.free_attempts - failures)

    def unlock(self, pin: str) -> UserInfo:
        return self.authenticate(pin, event="unlock")

    def authorize(self, pin: str, role: Role) -> UserInfo:
        """A PIN typed to reach staff screens (a cashier asks a manager to step in):
        the PIN's user, who must hold ``role``. Wrong PINs count towards the same
        throttle as the lock screen; the attempt is recorded (``staff_access``, or
        ``staff_denied`` for a right PIN without the role)."""
        user = self.authenticate(pin, event="staff_access")
        if not user.can(role):
            self.record(user, "staff_denied", role.value)
            self.require(user, role)
        return user

    def record(self, user: UserInfo | None, event: str, detail: str = "") -> None:
        """Record a lock, logout or other security event."""
        with self.db.write() as s:
            s.add(AuthEvent(user_id=user.id if user else None, event=event, detail=detail[:200]))

    def events(self, limit: int = 100) -> list[tuple]:
        with self.db.read() as s:
            rows = s.execute(select(AuthEvent.created_at, AuthEvent.event, User.name, AuthEvent.detail)
                             .outerjoin(User, User.id == AuthEvent.user_id)
                             .order_by(AuthEvent.id.desc()).limit(limit)).all()
        return [tuple(r) for r in rows]

    @staticmethod
    def require(user: UserInfo, role: Role) -> None:
        if not user.can(role):
            raise NotPermitted(role=translate(ROLE_LABELS[role]))
