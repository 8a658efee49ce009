"""What the server knows of its database's health: the last fault, since when, and the probe."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from tortoise.expressions import F

from models.db import atomic
from models.faults import DISK_FULL, READ_ONLY, fault_kind, patience
from models.people import Organization

log = logging.getLogger(__name__)

PROBE_PATIENCE = 1.0  # seconds the health check waits for the write lock
PROBE_TIMEOUT = 3.0  # seconds before a database that does not answer counts as down
LASTING = (READ_ONLY, DISK_FULL)  # faults a read or an empty transaction does not show


@dataclass(frozen=True)
class Fault:
    kind: str
    detail: str
    since: float  # wall-clock seconds


class Health:
    """The database's state as the webhooks, workers and the health check last found it."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.fault: Fault | None = None

    def failed(self, exc: BaseException) -> str | None:
        """Note a database fault; returns its kind, None when `exc` is not one."""
        kind = fault_kind(exc)
        if kind is None:
            return None
        if self.fault is None or self.fault.kind != kind:
            log.warning("database %s: %s", kind, exc)
            since = self.fault.since if self.fault is not None else self.clock()
            self.fault = Fault(kind, str(exc)[:300], since)
        return kind

    def wrote(self) -> None:
        """A write went through: whatever was wrong has passed."""
        if self.fault is not None:
            log.info("database writable again after %s", self.fault.kind)
            self.fault = None

    async def probe(self) -> Fault | None:
        """Try the database (on SQLite: take the write lock a moment); the fault, or None."""
        try:
            with patience(PROBE_PATIENCE):
                await asyncio.wait_for(self._try(), timeout=PROBE_TIMEOUT)
        except TimeoutError as exc:
            self.failed(ConnectionError(f"no answer within {PROBE_TIMEOUT:g} s: {exc}"))
        except Exception as exc:
            if self.failed(exc) is None:
                raise
        else:
            if self.fault is not None and self.fault.kind not in LASTING:
                self.fault = None
        return self.fault

    async def _try(self) -> None:
        async with atomic():
            org_id = await Organization.all().order_by("id").limit(1).values_list("id", flat=True)
            if self.fault is not None and self.fault.kind in LASTING and org_id:
                # Read-only and a full disk only show on a real write: rewrite one value.
                await Organization.filter(id=org_id[0]).update(slug=F("slug"))
        if self.fault is not None and self.fault.kind in LASTING:
            self.wrote()
