"""The sign-in code shown on the room's screen: six digits that change every 30 seconds, valid only inside the
session's sign-in window. No code is stored: each is an HMAC-SM3 (a key derived from the index key, kept
outside the database) of the session and the 30-second time slot, so the screen and the server compute the
same digits independently. A code is accepted during its own slot and the one after it (a member who typed
it as it changed is not turned away), and never outside the window."""

from __future__ import annotations

import time

from cryptography.hazmat.primitives import hashes, hmac

from zugong.core import crypto

SLOT_SECONDS = 30
DIGITS = 6
ACCEPTED_SLOTS = 2  # the current slot and the previous one


def _slot(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // SLOT_SECONDS)


def code_for(session_id: int, slot: int) -> str:
    mac = hmac.HMAC(crypto.keyring().index_key, hashes.SM3())
    mac.update(f"studyday-signin\x00{session_id}\x00{slot}".encode())
    number = int.from_bytes(mac.finalize()[:8], "big") % 10**DIGITS
    return f"{number:0{DIGITS}d}"


def current_code(session_id: int, at: float | None = None) -> tuple[str, int]:
    """(the code to show now, seconds until it changes)."""
    now = time.time() if at is None else at
    slot = _slot(now)
    return code_for(session_id, slot), SLOT_SECONDS - int(now % SLOT_SECONDS)


def normalize(code) -> str:
    return "".join(ch for ch in str(code or "") if not ch.isspace())


def code_matches(session_id: int, code, at: float | None = None) -> bool:
    code = normalize(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return False
    slot = _slot(at)
    return any(hmac_compare(code, code_for(session_id, slot - back)) for back in range(ACCEPTED_SLOTS))


def hmac_compare(a: str, b: str) -> bool:
    from cryptography.hazmat.primitives import constant_time

    return constant_time.bytes_eq(a.encode(), b.encode())
