"""A circuit breaker per service: while a service is down, fail fast and log once.

Without it, every request to a stopped service opened a new connection, waited for the
refusal and logged a warning: thousands of lines a minute, and a client that could not tell
"down" from "broken". The breaker opens on a refused connection (or a connect timeout):
until its cool-down passes (0.5 s, then 1 s while the service stays down) requests answer 503
`service_unavailable` with `Retry-After` at once; then one request at a time probes the
service, and the first answer closes the breaker. The cool-down stays short on purpose: a
probe is one refused connection, and a service that is back must be used within a second,
not after a long exponential wait. One warning when it opens,
one line when it closes (with how many requests it refused).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

logger = logging.getLogger("govhub.gateway")

COOLDOWN_FIRST_SECONDS = 0.5
COOLDOWN_MAX_SECONDS = 1.0


class CircuitBreaker:
    def __init__(
        self,
        service: str,
        clock: Callable[[], float] = time.monotonic,
        meanwhile: str = "answering 503 until it is back",
    ) -> None:
        self.service = service  # the service, or "<service> <host>:<port>" for a replica
        self.meanwhile = meanwhile  # what the gateway does while it is open, for the log
        self.clock = clock
        self.failures = 0  # connection failures in a row; 0: closed
        self.open_until = 0.0
        self.down_since = 0.0
        self.refused = 0
        self.probing = False

    @property
    def is_open(self) -> bool:
        return self.failures > 0

    def allow(self) -> bool:
        """Whether this request may go to the service (closed, or the one probe)."""
        if not self.failures:
            return True
        if self.clock() < self.open_until or self.probing:
            self.refused += 1
            return False
        self.probing = True
        return True

    def retry_after(self) -> int:
        return max(1, math.ceil(self.open_until - self.clock()))

    def succeeded(self) -> None:
        if not self.failures:
            return
        logger.warning(
            "service %s is back after %.1f s (%d requests refused meanwhile)",
            self.service,
            self.clock() - self.down_since,
            self.refused,
        )
        self.failures, self.refused, self.probing = 0, 0, False

    def failed(self, reason: object) -> None:
        now = self.clock()
        self.probing = False
        if not self.failures:
            self.down_since = now
            logger.warning("service %s unreachable (%s); %s", self.service, reason, self.meanwhile)
        self.failures += 1
        cooldown = min(COOLDOWN_FIRST_SECONDS * 2 ** (self.failures - 1), COOLDOWN_MAX_SECONDS)
        self.open_until = now + cooldown

    def released(self) -> None:
        """The probe ended without telling (the client left): let the next one try."""
        self.probing = False
