"""When to try a failed send again: exponential backoff with a cap, then the message is dead (no Django)."""

from __future__ import annotations

BASE_S = 30
FACTOR = 3
LONGEST_S = 3 * 3600
MAX_ATTEMPTS = 6


def delay(attempts: int, base: float = BASE_S, longest: float = LONGEST_S) -> float:
    """Seconds to wait after the given number of failed attempts (30 s, 90 s, 4.5 min, … at most 3 h)."""
    return min(longest, base * FACTOR ** max(0, attempts - 1))


def is_dead(attempts: int, cap: int = MAX_ATTEMPTS) -> bool:
    """Whether a message that failed this many times is given up until an operator retries it."""
    return attempts >= cap
