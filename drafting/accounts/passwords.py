"""Password hashing (argon2id) and the password rules."""

import secrets
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from drafting.errors import UserError

MIN_LENGTH = 8
MAX_LENGTH = 256


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise UserError(f"密码至少需要 {MIN_LENGTH} 个字符。")
    if len(password) > MAX_LENGTH:
        raise UserError(f"密码最多 {MAX_LENGTH} 个字符。")


def random_password() -> str:
    """16 URL-safe characters (96 bits): typed once, then changed by the user."""
    return secrets.token_urlsafe(12)


class Passwords:
    """argon2 hashing with a decoy: checking an unknown name costs as much time as a wrong password."""

    def __init__(self, hasher: PasswordHasher | None = None):
        self.hasher = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)

    def burn_time(self, password: str) -> None:
        self.verify(self._decoy, password)

    @cached_property
    def _decoy(self) -> str:
        return self.hasher.hash(secrets.token_urlsafe(16))
