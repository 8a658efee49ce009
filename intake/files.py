"""File intake: check a received file before it reaches the public website; store it by content."""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from core.org_config import Files
from intake.content import (
    MACRO_EXTENSIONS,
    MIB,
    PROGRAM_EXTENSIONS,
    SHA256_HEX,
    FileProblem,
    FileRefused,
    NotGenuine,
    macros_refused,
    verify_content,
)
from intake.names import extension_of, sanitize_name
from intake.personal import PersonalData, find_personal_data
from locales import _

__all__ = [
    "FileCheck",
    "FileProblem",
    "FileRefused",
    "extension_of",
    "file_path",
    "inspect_file",
    "refuse_declared_size",
    "sanitize_name",
    "store_file",
]


@dataclass(frozen=True, slots=True)
class FileCheck:
    """An accepted file: what an Attachment records about it."""

    name: str
    extension: str
    mime_type: str
    size: int
    sha256: str
    personal: PersonalData = field(default_factory=PersonalData)


def inspect_file(data: bytes, name: str, files: Files) -> FileCheck:
    """Check a received file for publication and describe it, or raise FileRefused."""
    _refuse_size(data, files)
    display = sanitize_name(name)
    extension = extension_of(display)
    _refuse_extension(extension, files)
    try:
        mime = verify_content(data, extension)
    except NotGenuine:
        message = _(
            "The file's content is not a real .{ext} file. Please send the original file. "
            "Accepted: {allowed}."
        )
        raise FileRefused(
            message.format(ext=extension, allowed=_accepted(files)), FileProblem.CONTENT
        ) from None
    personal = find_personal_data(data, extension)
    if personal.ids and files.personal_data == "refuse":
        message = _(
            "The file holds personal data ({found}) and this office does not accept such files. "
            "Please remove or black out the ID numbers and send it again."
        )
        raise FileRefused(message.format(found=personal.describe()), FileProblem.PERSONAL_DATA)
    sha = hashlib.sha256(data).hexdigest()
    return FileCheck(display, extension, mime, len(data), sha, personal)


def store_file(data: bytes, data_dir: Path) -> Path:
    """Keep a file's bytes under their SHA-256; storing the same content again changes nothing."""
    path = file_path(data_dir, hashlib.sha256(data).hexdigest())
    if path.is_file() and path.stat().st_size == len(data):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def file_path(data_dir: Path, sha256: str) -> Path:
    """Where the file with this SHA-256 lives under the data directory."""
    if not SHA256_HEX.fullmatch(sha256):
        raise ValueError(f"not a lowercase SHA-256 hex digest: {sha256!r}")
    return Path(data_dir) / "files" / sha256[:2] / sha256


def _accepted(files: Files) -> str:
    """The allowed types as the sender will read them: ".pdf, .docx"."""
    return ", ".join(f".{extension}" for extension in files.allowed_extensions)


def _refuse_size(data: bytes, files: Files) -> None:
    """Refuse an empty file or one over the organization's size limit."""
    if not data:
        raise FileRefused(_("The file is empty. Please send it again."), FileProblem.EMPTY)
    refuse_declared_size(len(data), files)


def refuse_declared_size(size: int, files: Files) -> None:
    """Refuse a file over the size limit from the size the platform states, before fetching it."""
    if size > files.max_size_bytes:
        message = _(
            "The file is {size} MB, larger than the {limit} MB limit. "
            "Please send a smaller file or split it."
        )
        megabytes = math.ceil(size * 10 / MIB) / 10
        raise FileRefused(
            message.format(size=f"{megabytes:g}", limit=f"{files.max_size_mb:g}"),
            FileProblem.TOO_LARGE,
        )


def _refuse_extension(extension: str, files: Files) -> None:
    """Refuse a missing, macro-enabled, program or not allowed file type."""
    allowed = _accepted(files)
    if not extension:
        message = _(
            "The file name has no type such as .pdf, so it cannot be checked. Accepted: {allowed}."
        )
        raise FileRefused(message.format(allowed=allowed), FileProblem.NO_EXTENSION)
    if extension in MACRO_EXTENSIONS:
        raise macros_refused()
    if extension in PROGRAM_EXTENSIONS:
        message = _(
            "Programs and scripts (.{ext}) cannot be published on the website. Accepted: {allowed}."
        )
        raise FileRefused(message.format(ext=extension, allowed=allowed), FileProblem.PROGRAM)
    if extension not in files.allowed_extensions:
        message = _("Files of type .{ext} are not accepted. Accepted: {allowed}.")
        raise FileRefused(message.format(ext=extension, allowed=allowed), FileProblem.EXTENSION)
