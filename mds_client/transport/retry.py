"""The one backoff rule: exponential, capped, as tenacity's ``wait_exponential`` computes it.

Used by the transport (retries of one call), batch scoring (a chunk riding out a server restart) and
the workbench's feedback outbox (when a stored item is due again), so that all three wait alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace


@dataclass(frozen=True)
class Backoff:
    """``base * 2 ** (n - 1)`` seconds before retry ``n`` (1 = the first retry), at most ``cap``."""

    base: float = 0.2
    cap: float = 5.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry``; 0 before the first try."""
        if retry <= 0:
            return 0.0
        # Imported here: a retry is rare, and a script that never retries should not pay for tenacity.
        from tenacity import wait_exponential

        return float(wait_exponential(multiplier=self.base, max=self.cap)(SimpleNamespace(attempt_number=retry)))
