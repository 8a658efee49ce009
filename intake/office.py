"""Office and ODF content that reaches out or runs: OLE objects, ActiveX, remote templates.

Macros are found by content.py; this module reads an OOXML package's relationships
([ECMA-376] part 2, 9.3) and its parts, and an ODF package's parts, for the rest.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import PurePosixPath

OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # [MS-CFB] 2.2 header signature
RELS_MAX = 1024 * 1024  # bytes of one relationships part read
PEEK = 8
RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(rb'(\w+)\s*=\s*"([^"]*)"|(\w+)\s*=\s*\'([^\']*)\'')
# Relationship types (the last part of the Type URI) that make Word, Excel or PowerPoint
# load something when the document opens: a template, a frame, a sub-document, an object.
REMOTE_LOADED = frozenset(
    {"attachedtemplate", "frame", "subdocument", "oleobject", "package", "externallinkpath"}
)
OLE_TYPES = frozenset({"oleobject", "package"})
ACTIVEX_TYPES = frozenset({"control", "activexcontrolbinary"})


class OfficeFinding:
    """What a package carries (the FileProblem values content.py raises)."""

    OLE_OBJECT = "ole_object"
    ACTIVEX = "activex"
    EXTERNAL_TEMPLATE = "external_template"


def office_finding(archive: zipfile.ZipFile, is_odf: bool) -> str | None:
    """The first thing in an Office or ODF package that runs or loads content, if any."""
    for info in archive.infolist():
        if info.is_dir():
            continue
        path = info.filename.lower()
        if "/activex/" in f"/{path}":
            return OfficeFinding.ACTIVEX
        if path.startswith(("word/embeddings/", "xl/embeddings/", "ppt/embeddings/")):
            if PurePosixPath(path).name.startswith("oleobject") or path.endswith(".bin"):
                return OfficeFinding.OLE_OBJECT
        if _peek(archive, info).startswith(OLE_MAGIC):
            return OfficeFinding.OLE_OBJECT
        if not is_odf and path.endswith(".rels"):
            found = _relationship_finding(_read(archive, info, RELS_MAX))
            if found is not None:
                return found
    return None


def _relationship_finding(xml: bytes) -> str | None:
    """An OLE object, an ActiveX control or something loaded from elsewhere, in one .rels part."""
    for element in RELATIONSHIP.finditer(xml):
        attributes = {
            (m.group(1) or m.group(3)).lower(): (m.group(2) or m.group(4) or b"")
            for m in ATTRIBUTE.finditer(element.group(0))
        }
        kind = attributes.get(b"type", b"").rsplit(b"/", 1)[-1].decode("ascii", "replace").lower()
        external = attributes.get(b"targetmode", b"").lower() == b"external"
        if kind in ACTIVEX_TYPES:
            return OfficeFinding.ACTIVEX
        if external and kind in REMOTE_LOADED:
            return OfficeFinding.EXTERNAL_TEMPLATE
        if kind in OLE_TYPES:
            return OfficeFinding.OLE_OBJECT
    return None


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The first bytes of a stored or deflated part (others stay unread: bounded work)."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return b""
    try:
        with archive.open(info) as part:
            return part.read(limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        return b""


def _peek(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    return _read(archive, info, PEEK)
