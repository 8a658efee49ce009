"""Properties of the workflow under any sequence of actions, by anyone, on a few requests.

A hypothesis state machine keeps its own model of each request (status, version, who decided
last) and after every action checks the database against it: only transitions in the table
happen, a refused action changes nothing, the audit chain stays whole, and every transition
leaves one outbox row per person the notice table names who has a chat to receive it.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import procedure
from core.org_config import OrgConfig
from core.runtime import Runtime
from core.thaidate import be_year
from models import workflow
from models.audit import AuditEvent, verify_chain
from models.db import close_db, open_db
from models.directory import ensure_organization
from models.enums import Channel, Role, Status
from models.messaging import ButtonToken, OutboxMessage
from models.people import Delegation, Person, RoleAssignment
from models.request import Decision, Request, Task
from notices.change import RECIPIENTS
from tests.factories import draft, person

ACTIONS = sorted(workflow.ACTIONS)
UNDECIDED = (Status.DRAFT, Status.CHECKING, Status.PENDING)
# Who may act: people with and without roles, and the scheduler (no person at all).
ACTORS = ("owner", "approver", "checker", "webmaster", "admin", "scheduler")
# Legal moves that end a request before it is published.
ENDINGS = frozenset({"discard", "withdraw", "reject", "send_back", "return", "revoke"})
REQUESTS = 4  # the last one is not certified, so it can never be submitted
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok, B.E. 2569


class WorkflowMachine(RuleBasedStateMachine):
    """Random actions on a few requests, checked against a model of what must happen."""

    template: Path
    workdir: Path
    org: OrgConfig
    _files = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.Runner()
        self.people: dict[str, Person] = {}
        self.reachable: set[int] = set()  # people with a platform identity and active
        self.inactive: set[int] = set()
        self.deciders: list[int] = []
        self.roles: dict[int, set[Role]] = {}
        self.requests: list[int] = []
        self.status: dict[int, Status] = {}
        self.version: dict[int, int] = {}
        self.last_decider: dict[int, int | None] = {}
        self.last_approver: dict[int, int | None] = {}
        self.refs_issued = 0
        self.ready = False
        path = self.workdir / f"machine-{next(self._files)}.sqlite3"
        shutil.copy(self.template, path)
        self.run(self._open(f"sqlite://{path}"))

    def run(self, coro):
        return self.loop.run(coro)

    async def _open(self, url: str) -> None:
        await open_db(url)
        row = await ensure_organization(self.org)
        self.rt = Runtime(
            org_id=row.id,
            org=self.org,
            tz=ZoneInfo("Asia/Bangkok"),
            default_locale="th",
            public_url="http://127.0.0.1:8080",
            data_dir=self.workdir / "data",
            secret_key=b"k" * 32,
        )

    def teardown(self) -> None:
        self.run(close_db())
        self.loop.close()

    @initialize(
        owner_roles=st.sets(st.sampled_from([Role.APPROVER, Role.CHECKER, Role.WEBMASTER])),
        owner_channel=st.sampled_from([Channel.LINE, Channel.TELEGRAM]),
        delegated=st.booleans(),
        urgent=st.lists(st.booleans(), min_size=REQUESTS, max_size=REQUESTS),
        open_ended=st.lists(st.booleans(), min_size=REQUESTS, max_size=REQUESTS),
    )
    def enrol_people_and_draft_requests(
        self, owner_roles, owner_channel, delegated, urgent, open_ended
    ):
        self.run(self._setup(owner_roles, owner_channel, delegated, urgent, open_ended))
        self.ready = True

    async def _setup(self, owner_roles, owner_channel, delegated, urgent, open_ended) -> None:
        rt = self.rt
        self.people = {
            "owner": await person(rt, "เจ้าของเรื่อง", *owner_roles, channel=owner_channel),
            "approver": await person(rt, "ปลัดสมชาย", Role.APPROVER),
            "checker": await person(rt, "ผู้ตรวจสมศรี", Role.CHECKER, channel=Channel.LINE),
            "webmaster": await person(rt, "เว็บมาสเตอร์สมหมาย", Role.WEBMASTER),
            "admin": await person(rt, "แอดมิน", Role.ADMIN),
        }
        # Roles without a chat, or no longer active: the notice table names them, nobody hears.
        retired = await person(rt, "เว็บมาสเตอร์เกษียณ", Role.WEBMASTER)
        await Person.filter(id=retired.id).update(active=False)
        await _person_without_chat(rt, "ปลัดไม่มีไลน์", Role.APPROVER)
        await _person_without_chat(rt, "เว็บมาสเตอร์ไม่มีไลน์", Role.WEBMASTER)
        if delegated:
            # The checker acts as approver today: only they hear of new requests.
            await Delegation.create(
                org_id=rt.org_id,
                approver_id=self.people["approver"].id,
                acting_id=self.people["checker"].id,
                starts_on=date(2026, 11, 1),
                ends_on=date(2026, 11, 30),
            )
        for p in await Person.filter(org_id=rt.org_id).prefetch_related("roles", "identities"):
            self.roles[p.id] = {r.role for r in p.roles}
            if not p.active:
                self.inactive.add(p.id)
            if p.active and p.identities:
                self.reachable.add(p.id)
        if delegated:
            self.deciders = [self.people["checker"].id]
        else:
            self.deciders = self._active_with(Role.APPROVER)
        owner = self.people["owner"]
        # Nobody decides or checks their own request: the owner is never among those told.
        self.deciders = [pid for pid in self.deciders if pid != owner.id]
        for i in range(REQUESTS):
            req = await draft(
                rt,
                owner,
                title=f"เรื่องที่ {i + 1}",
                urgent=urgent[i],
                end_in_days=None if open_ended[i] else 30,
            )
            if i == REQUESTS - 1:
                await Request.filter(id=req.id).update(certified=False)
            self.requests.append(req.id)
            self.status[req.id] = Status.DRAFT
            self.version[req.id] = req.version

    def _active_with(self, role: Role) -> list[int]:
        return sorted(
            pid for pid, roles in self.roles.items() if role in roles and pid not in self.inactive
        )

    @precondition(lambda self: self.ready)
    @rule(
        index=st.integers(0, REQUESTS - 1),
        action=st.sampled_from(ACTIONS),
        actor=st.sampled_from(ACTORS),
    )
    def act_at_random(self, index, action, actor):
        self.run(self._act(self.requests[index], action, actor))

    @precondition(lambda self: self.ready)
    @rule(index=st.integers(0, REQUESTS - 2), actor=st.sampled_from(ACTORS), data=st.data())
    def act_as_the_table_allows(self, index, actor, data):
        rid = self.requests[index]
        legal = sorted(a for (s, a) in workflow.TRANSITIONS if s == self.status[rid])
        if not legal:
            return  # a final state: nothing more can happen to this request
        # Moves that end a request early are drawn less often, so more runs reach publication.
        onward = [a for a in legal if a not in ENDINGS]
        action = data.draw(st.sampled_from(legal + onward * 2), label="action")
        self.run(self._act(rid, action, actor))

    @precondition(lambda self: self.ready)
    @invariant()
    def audit_chain_verifies(self):
        result = self.run(verify_chain(self.rt.org_id))
        assert result.ok, result

    @precondition(lambda self: self.ready)
    @invariant()
    def database_agrees_with_the_model(self):
        assert self.run(self._stored_states()) == {
            rid: (self.status[rid], self.version[rid]) for rid in self.requests
        }

    async def _stored_states(self) -> dict[int, tuple[Status, int]]:
        rows = await Request.filter(id__in=self.requests).values("id", "status", "version")
        return {r["id"]: (Status(r["status"]), r["version"]) for r in rows}

    async def _counts(self) -> dict[str, int]:
        """Rows of every kind a transition may write."""
        return {
            "audit": await AuditEvent.all().count(),
            "outbox": await OutboxMessage.all().count(),
            "decisions": await Decision.all().count(),
            "tasks": await Task.all().count(),
            "buttons": await ButtonToken.all().count(),
        }

    async def _act(self, rid: int, action: str, actor: str) -> None:
        actor_id = None if actor == "scheduler" else self.people[actor].id
        before = self.status[rid]
        expected = workflow.TRANSITIONS.get((before, action))
        incomplete = action in ("submit", "submit_for_check") and rid == self.requests[-1]
        own = actor == "owner" and action in procedure.DECISIONS
        counts = await self._counts()
        last_outbox = await OutboxMessage.all().order_by("-id").first()
        last_outbox_id = last_outbox.id if last_outbox else 0
        try:
            change = await procedure.transition(
                self.rt,
                rid,
                action,
                actor_id,
                now=NOW,
                reason="ไม่เกี่ยวกับภารกิจ",
                url=f"https://www.mukdahancity.go.th/news/{rid}",
            )
        except workflow.WorkflowError as exc:
            assert expected is None or incomplete or own, (
                f"{before} --{action}--> {expected} refused: {exc}"
            )
            await self._check_refusal(rid, action, exc, counts, incomplete, own)
            return
        assert not own, f"the owner could {action} their own request"
        assert expected is not None, f"{before} --{action}--> {change.after} is not in the table"
        assert not incomplete, "a request without its certification was submitted"
        assert (change.before, change.after) == (before, expected)
        event(f"reached {expected}")
        await self._check_change(rid, action, actor_id, change, counts, last_outbox_id)

    async def _check_refusal(self, rid, action, exc, counts, incomplete, own=False) -> None:
        req = await Request.get(id=rid)
        assert (req.status, req.version) == (self.status[rid], self.version[rid])
        assert await self._counts() == counts, "a refused action left rows behind"
        if own:
            assert type(exc) is workflow.IllegalTransition
        elif incomplete and self.status[rid] == Status.DRAFT:
            assert isinstance(exc, workflow.Incomplete)
            assert req.ref is None
        elif action in workflow.DECIDING and self.status[rid] not in UNDECIDED:
            assert isinstance(exc, workflow.AlreadyDecided)
            decider = self.last_decider.get(rid)
            if self.status[rid] != Status.WITHDRAWN and decider is not None:
                name = next(p.name for p in self.people.values() if p.id == decider)
                assert name in str(exc), f"{exc} does not say who decided"
        else:
            assert type(exc) is workflow.IllegalTransition

    async def _check_change(self, rid, action, actor_id, change, counts, last_outbox_id) -> None:
        after = change.after
        if action in workflow.DECISIONS and action != "withdraw":
            self.last_decider[rid] = actor_id
        if action in ("approve", "verbal_approve"):
            self.last_approver[rid] = actor_id
        first_submission = action in ("submit", "submit_for_check") and self.version[rid] == 1
        self.status[rid] = after
        self.version[rid] += 1
        req = await Request.get(id=rid)
        assert (req.status, req.version) == (after, self.version[rid])
        if first_submission:
            self.refs_issued += 1
            assert req.ref == f"WP-{be_year(NOW.date())}-{self.refs_issued:04d}"

        now_counts = await self._counts()
        assert now_counts["audit"] == counts["audit"] + 1
        newest = await AuditEvent.all().order_by("-seq").first()
        assert (newest.kind, newest.request_id, newest.actor_id) == (
            f"request.{action}",
            rid,
            actor_id,
        )
        assert (newest.data["from"], newest.data["to"]) == (change.before.value, after.value)
        decided = 1 if action in workflow.DECISIONS else 0
        assert now_counts["decisions"] == counts["decisions"] + decided

        rows = await OutboxMessage.filter(id__gt=last_outbox_id).order_by("id")
        assert sorted(r.id for r in rows) == sorted(m.id for m in change.outbox)
        told = {r.person_id: r.kind for r in rows}
        assert len(told) == len(rows), f"someone was told twice about {action}: {rows}"
        assert told == await self._expected_notices(rid, action, after)

    async def _expected_notices(self, rid: int, action: str, after: Status) -> dict[int, str]:
        """Person id to outbox kind, from the notice table: first audience wins, reachable only."""
        owner = self.people["owner"].id
        expected: dict[int, str] = {}
        for audience in RECIPIENTS[action]:
            if audience == "owner":
                people = [owner]
            elif audience == "deciders":
                people = self.deciders
            elif audience == "checkers":
                people = [pid for pid in self._active_with(Role.CHECKER) if pid != owner]
            elif audience == "webmasters" or (audience == "takedown" and after == Status.EXPIRED):
                people = self._active_with(Role.WEBMASTER)
            elif audience == "decider":
                approver = self.last_approver.get(rid)
                people = [approver] if approver is not None else self.deciders
            else:
                people = []
            for pid in people:
                if pid in self.reachable and pid not in expected:
                    expected[pid] = f"{action}.{audience}"
        return expected


async def _person_without_chat(rt: Runtime, name: str, role: Role) -> Person:
    p = await Person.create(org_id=rt.org_id, name=name)
    await RoleAssignment.create(person_id=p.id, role=role)
    return p


def test_workflow_any_action_sequence_keeps_table_chain_and_outbox(
    sqlite_template: Path, org_config: OrgConfig, tmp_path: Path
):
    machine = type(
        "WorkflowOnSqlite",
        (WorkflowMachine,),
        {"template": sqlite_template, "workdir": tmp_path, "org": org_config},
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            # The same sequences on every run, so CI cannot turn red by luck; explore further
            # locally with a larger max_examples (300 passed at the time of writing).
            derandomize=True,
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
