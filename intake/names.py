"""The names of received files: a safe display name and the extension it claims."""

from __future__ import annotations

import re
import unicodedata

NAME_MAX = 120  # characters: a display name that fits a chat card (Attachment allows 255)
EXTENSION_MAX = 16  # Attachment.extension is a CharField(max_length=16)
NAME_EXTENSION = re.compile(rf"[A-Za-z0-9]{{1,{EXTENSION_MAX}}}")
NAME_DROPPED = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})  # controls, invisible format marks
UNSAFE_NAME_CHARS = re.compile(r'[<>:"|?*]')  # not allowed in Windows file names


def sanitize_name(name: str) -> str:
    """A file name safe to show and save: no folders or control characters, at most 120 chars."""
    base = re.split(r"[/\\]", name)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch) not in NAME_DROPPED)
    base = " ".join(UNSAFE_NAME_CHARS.sub("_", base).split()).rstrip(" .")
    stem, extension = _split_extension(base)
    stem = stem.strip(" .") or "file"
    suffix = f".{extension}" if extension else ""
    room = NAME_MAX - len(suffix)
    if len(stem) > room:
        stem = _cut(stem, room).rstrip(" .") or "file"
    return stem + suffix


def extension_of(name: str) -> str:
    """The lowercase extension of a file name, or "" when it has none."""
    return _split_extension(name)[1].lower()


def _split_extension(name: str) -> tuple[str, str]:
    """A name's stem and extension (letters and digits after the last dot), or the name and ""."""
    stem, dot, extension = name.rpartition(".")
    if dot and NAME_EXTENSION.fullmatch(extension):
        return stem, extension
    return name, ""


def _cut(text: str, length: int) -> str:
    """Text shortened to length without parting a Thai vowel or tone mark from its letter."""
    while length > 0 and unicodedata.category(text[length]).startswith("M"):
        length -= 1
    return text[:length]
