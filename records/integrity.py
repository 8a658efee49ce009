"""The proof that the records are whole: the chain, the head kept outside, the content it sealed.

`verify_chain` proves each event follows the one before. That alone cannot see a chain whose
newest events were cut off together with its head, nor a request row or a stored file changed
behind the application's back; so this also compares the chain with a head the admins kept
(their daily checkpoint) and each request's current content and files with the seal its latest
sealed event recorded.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from core.runtime import Runtime
from intake.files import file_path
from models.audit import AuditEvent, settle_appends, verify_chain
from models.request import Request
from models.seal import SEALED_ACTIONS, content_hash, request_files

HEAD = re.compile(r"^(?P<seq>\d+):(?P<hash>[0-9a-f]{64})$")
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Integrity:
    ok: bool
    count: int
    problems: list[str] = field(default_factory=list)


def parse_head(text: str) -> tuple[int, str]:
    """`SEQ:HASH` as the checkpoint message gives it, or ValueError."""
    found = HEAD.match(text.strip().lower())
    if not found:
        raise ValueError("expected SEQ:HASH, e.g. 42:9f86d08…(64 hex digits)")
    return int(found["seq"]), found["hash"]


async def verify_records(rt: Runtime, expect_head: tuple[int, str] | None = None) -> Integrity:
    """Every check at once; each problem names the event or the request it is about."""
    chain = await verify_chain(rt.org_id)
    problems = [] if chain.ok else [f"BROKEN at event {chain.broken_seq}: {chain.problem}"]
    if expect_head is not None:
        problems += await _head_problems(rt, *expect_head)
    problems += await content_problems(rt)
    return Integrity(not problems, chain.count, problems)


async def _head_problems(rt: Runtime, seq: int, digest: str) -> list[str]:
    event = await AuditEvent.get_or_none(org_id=rt.org_id, seq=seq)
    if event is None:
        return [f"BROKEN at event {seq}: the expected head is missing, the chain was cut short"]
    if event.hash != digest:
        return [
            f"BROKEN at event {seq}: its hash differs from the expected head, the chain was rewritten"
        ]
    return []


async def content_problems(rt: Runtime) -> list[str]:
    """Requests whose row or stored files no longer match the seal in their latest sealed event."""
    await settle_appends()  # this transaction's own appends are read too
    sealed: dict[int, AuditEvent] = {}
    kinds = [f"request.{action}" for action in (*SEALED_ACTIONS, "extend")]
    events = await AuditEvent.filter(org_id=rt.org_id, kind__in=kinds).order_by("seq")
    for event in events:
        if (
            event.request_id is not None
            and isinstance(event.data, dict)
            and "content" in event.data
        ):
            sealed[event.request_id] = event
    problems = []
    for request_id, event in sealed.items():
        req = await Request.get_or_none(id=request_id)
        ref = event.data.get("ref") or request_id
        if req is None:
            problems.append(f"CHANGED {ref}: the request was deleted after event {event.seq}")
            continue
        files = await request_files(req.id)
        if content_hash(req, files) != event.data["content"]:
            problems.append(
                f"CHANGED {ref}: the request's content differs from what event {event.seq} sealed"
            )
        for sha in event.data.get("files") or ():
            problem = _stored_file_problem(rt.data_dir, sha)
            if problem:
                problems.append(f"CHANGED {ref}: file {sha[:12]}… {problem}")
    return problems


def _stored_file_problem(data_dir: Path, sha256: str) -> str:
    path = file_path(data_dir, sha256)
    if not path.is_file():
        return "is missing from the data directory"
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(READ_CHUNK):
            digest.update(chunk)
    return "" if digest.hexdigest() == sha256 else "was replaced: its content has another SHA-256"
