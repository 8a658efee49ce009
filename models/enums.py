"""The strings the data speaks in: states, roles, channels."""

from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    CHECKING = "checking"
    PENDING = "pending"
    APPROVED = "approved"
    PUBLISHED = "published"
    EXPIRED = "expired"
    REMOVED = "removed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    RETURNED = "returned"


class Role(StrEnum):
    STAFF = "staff"
    CHECKER = "checker"
    APPROVER = "approver"
    WEBMASTER = "webmaster"
    ADMIN = "admin"


class Channel(StrEnum):
    LINE = "line"
    TELEGRAM = "telegram"
    SANDBOX = "sandbox"


class TaskKind(StrEnum):
    PUBLISH = "publish"
    TAKEDOWN = "takedown"
    REPAIR = "repair"  # the watch found the page broken or its file changed


class TaskStatus(StrEnum):
    SCHEDULED = "scheduled"  # approved for a later publish date: the webmasters' task on that day
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"  # delivery gave up; kept until replayed or dropped
    CANCELLED = "cancelled"


class InboxStatus(StrEnum):
    RECEIVED = "received"
    DONE = "done"
    FAILED = "failed"  # set aside with its reason, kept until replayed or dropped
    DROPPED = "dropped"  # an operator gave up on it
