"""The instructor's signing key: an HMAC-SHA256 secret that ties a handed-out notebook to its quiz, version
and student, so that a notebook moved to another student or version (its metadata edited) is detected.

Where the key comes from, in order:
- ``QUIZGEN_SIGNING_KEY``: 64 hex digits (a course team sharing one key, CI);
- the file ``signing.key`` in quizgen's configuration folder (``QUIZGEN_CONFIG``, else
  $XDG_CONFIG_HOME/quizgen, else ~/.config/quizgen): 32 random bytes, made by the first
  ``generate --format ipynb`` on this machine, readable by its owner only.
A quiz's notebooks are signed with a key of their own, derived from that key and the quiz's fingerprint
(``for_quiz``); the key.json written with them holds that derived key (the key.json is the instructor's alone:
it holds the answers), so ``grade --key key.json`` verifies them on any machine, and a key.json seen by someone
else lets them sign nothing but that quiz's notebooks. The same bank, seed and key give the same notebooks,
byte for byte.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from .errors import QuizgenError

ENVIRONMENT = "QUIZGEN_SIGNING_KEY"
FILE_NAME = "signing.key"
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class SigningKey:
    secret: bytes
    source: str             # where it was read: for messages

    @property
    def id(self) -> str:
        """A short public name of the key (not the key): says which key signed a notebook."""
        return hashlib.sha256(b"quizgen key id\0" + self.secret).hexdigest()[:12]

    @property
    def hex(self) -> str:
        return self.secret.hex()

    def sign(self, fields: dict) -> str:
        """HMAC-SHA256 of ``fields`` written canonically (sorted keys, no spaces), as hex."""
        message = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def verifies(self, fields: dict, signature: str) -> bool:
        return isinstance(signature, str) and signature.isascii() and hmac.compare_digest(self.sign(fields), signature)

    def for_quiz(self, fingerprint: str) -> "SigningKey":
        """This key's key for one quiz (HMAC of the quiz's fingerprint): what signs its notebooks and what its
        key.json holds, so that a key.json shown to someone lets them sign that quiz's notebooks only."""
        secret = hmac.new(self.secret, b"quizgen quiz key\0" + fingerprint.encode("utf-8"), hashlib.sha256).digest()
        return SigningKey(secret, f"{self.source}, for the quiz")


def config_folder() -> Path:
    chosen = os.environ.get("QUIZGEN_CONFIG", "")
    return Path(chosen) if chosen else Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "quizgen"


def from_hex(text: str, where: str) -> SigningKey:
    """A key written as 64 hex digits (the environment variable, key.json); QuizgenError otherwise."""
    if not isinstance(text, str) or not _HEX.match(text.strip()):
        raise QuizgenError("a signing key is 64 hex digits (32 bytes)", field=where)
    return SigningKey(bytes.fromhex(text.strip()), where)


def machine_key(create: bool = False) -> SigningKey | None:
    """This machine's signing key (see the module's doc); with ``create``, made when there is none (None
    otherwise). Errors (an unreadable or malformed key file) are QuizgenErrors naming it."""
    given = os.environ.get(ENVIRONMENT)
    if given:
        return from_hex(given, ENVIRONMENT)
    path = config_folder() / FILE_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
        return _create(path)
    except OSError as error:
        raise QuizgenError(f"cannot read the signing key ({error.strerror})", file=str(path)) from None
    if len(data) != 32:
        raise QuizgenError(f"not a quizgen signing key ({len(data)} bytes, not 32): restore it from a backup (or "
                           "from the key.json written with the notebooks), or move it away to make a new one "
                           "(notebooks signed with it could no longer be graded without their key.json)",
                           file=str(path))
    return SigningKey(data, str(path))


def _create(path: Path) -> SigningKey:
    secret = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        # readable by its owner only, from the moment it exists
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(secret)
        try:
            os.link(partial, path)          # never replaces a key another process made meanwhile
        except FileExistsError:
            os.unlink(partial)
            return machine_key(create=False)
        except OSError:                     # a file system without hard links
            os.replace(partial, path)
        else:
            os.unlink(partial)
    except OSError as error:
        raise QuizgenError(f"cannot make the signing key ({error.strerror}); set {ENVIRONMENT} to 64 hex digits "
                           "instead", file=str(path)) from None
    return SigningKey(secret, str(path))
