"""PDF active content, found the way a reader finds it: every object through pypdf's parser.

pypdf follows every cross-reference section (incremental updates), opens object streams and
undoes every standard filter (Flate, LZW, ASCIIHex, ASCII85, RunLength), so a script hidden
behind an unusual filter is seen as plainly as one written in the clear. A cheap scan of the
raw bytes runs first and also covers objects that no cross-reference points at any more.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
)

from core.errors import Refusal
from locales import N_, _

PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r /\[\]()<>{}%]+)")  # ISO 32000-1 7.3.5
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
XFA_SCRIPT = re.compile(rb"<(?:[A-Za-z0-9_.-]+:)?script\b", re.IGNORECASE)
OBJECTS_MAX = 500_000  # objects walked in one file; real documents have far fewer
OBJSTM_MAX = 8 * 1024 * 1024  # decoded bytes of one object stream scanned for names
XFA_MAX = 16 * 1024 * 1024  # decoded bytes of XFA form packets read to look for scripts

PDF_SCRIPT = N_(
    "PDF files with JavaScript are not accepted. "
    "Please save or print the document to PDF again, without scripts."
)
PDF_LAUNCH = N_(
    "PDF files that start other programs are not accepted. "
    "Please save or print the document to PDF again."
)
PDF_EMBEDDED = N_(
    "PDF files with other files attached inside are not accepted. Please send each file on its own."
)
PDF_XFA_SCRIPT = N_(
    "PDF forms with scripts (XFA) are not accepted. "
    "Please print the form to PDF again, without the form logic."
)


class PdfProblemKind:
    """The FileProblem values this module raises (kept as strings to avoid an import cycle)."""

    SCRIPT = "pdf_script"
    LAUNCH = "pdf_launch"
    EMBEDDED = "pdf_embedded"
    XFA_SCRIPT = "pdf_xfa_script"
    ENCRYPTED = "pdf_encrypted"
    UNREADABLE = "pdf_unreadable"


FORBIDDEN = {
    b"JS": (PdfProblemKind.SCRIPT, PDF_SCRIPT),
    b"JavaScript": (PdfProblemKind.SCRIPT, PDF_SCRIPT),
    b"Launch": (PdfProblemKind.LAUNCH, PDF_LAUNCH),
    b"EmbeddedFile": (PdfProblemKind.EMBEDDED, PDF_EMBEDDED),
    b"EmbeddedFiles": (PdfProblemKind.EMBEDDED, PDF_EMBEDDED),
    b"FileAttachment": (PdfProblemKind.EMBEDDED, PDF_EMBEDDED),
    b"RichMedia": (PdfProblemKind.EMBEDDED, PDF_EMBEDDED),
}


class PdfRefused(Refusal):
    """Active content or a PDF that cannot be inspected; `kind` names which."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def refuse_pdf_active_content(raw: bytes) -> None:
    """Refuse scripts, launch actions, attached files and XFA scripts; or an uninspectable PDF."""
    for name in _raw_names(raw):
        _refuse_name(name)
    reader = _open(raw)
    for obj in _every_object(reader):
        if isinstance(obj, NameObject):
            _refuse_name(obj.encode("latin-1", "replace")[1:])
        elif isinstance(obj, DictionaryObject):
            for key in obj:
                _refuse_name(str(key).encode("latin-1", "replace")[1:])
            if "/XFA" in obj:
                _refuse_xfa_scripts(obj["/XFA"])
            if isinstance(obj, StreamObject) and obj.get("/Type") == "/ObjStm":
                # Its objects are read by pypdf when the cross-references name them; an
                # object no cross-reference names is still read here, as a repairing reader would.
                for name in _raw_names(_decoded(obj, OBJSTM_MAX)):
                    _refuse_name(name)


def _raw_names(raw: bytes) -> Iterator[bytes]:
    """Each PDF name in the raw bytes, with #xx escapes decoded."""
    for match in PDF_NAME.finditer(raw):
        name = match.group(1)
        if b"#" in name:
            name = PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name)
        yield name


def _refuse_name(name: bytes) -> None:
    found = FORBIDDEN.get(name)
    if found is not None:
        kind, message = found
        raise PdfRefused(_(message), kind)


def _open(raw: bytes) -> PdfReader:
    """A reader over the file, decrypted with the empty password when it is encrypted."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # repaired damage is not our news
    try:
        reader = PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfRefused(_encrypted_message(), PdfProblemKind.ENCRYPTED)
        reader.trailer  # noqa: B018 - reading the trailer proves the structure parses
    except PdfRefused:
        raise
    except (DependencyError, FileNotDecryptedError, NotImplementedError):
        raise PdfRefused(_encrypted_message(), PdfProblemKind.ENCRYPTED) from None
    except (PyPdfError, PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise PdfRefused(_unreadable_message(), PdfProblemKind.UNREADABLE) from None
    return reader


def _encrypted_message() -> str:
    return _(
        "The PDF is encrypted or protected with a password, so its content cannot be checked. "
        "Please save it again without protection and send it again."
    )


def _unreadable_message() -> str:
    return _(
        "The PDF is damaged and cannot be read to check its content. "
        "Please save or print the document to PDF again."
    )


def _every_object(reader: PdfReader) -> Iterator[PdfObject]:
    """Every object the cross-references name, and everything reachable from the trailer."""
    stack: list[PdfObject] = [reader.trailer]
    for generation, table in reader.xref.items():
        stack.extend(IndirectObject(number, generation, reader) for number in table)
    stack.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    seen: set[tuple[int, int]] = set()
    try:
        while stack:
            obj = stack.pop()
            if isinstance(obj, IndirectObject):
                key = (obj.idnum, obj.generation)
                if key in seen:
                    continue
                seen.add(key)
                if len(seen) > OBJECTS_MAX:
                    raise PdfRefused(_unreadable_message(), PdfProblemKind.UNREADABLE)
                obj = obj.get_object()
                if obj is None:
                    continue
            yield obj
            if isinstance(obj, DictionaryObject):  # streams are dictionaries too
                stack.extend(obj.values())
            elif isinstance(obj, ArrayObject):
                stack.extend(obj)
    except PdfRefused:
        raise
    except (DependencyError, FileNotDecryptedError):
        raise PdfRefused(_encrypted_message(), PdfProblemKind.ENCRYPTED) from None
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise PdfRefused(_unreadable_message(), PdfProblemKind.UNREADABLE) from None


def _decoded(stream: StreamObject, limit: int) -> bytes:
    """A stream's data with its filters undone, or nothing when they cannot be."""
    try:
        return stream.get_data()[:limit]
    except (DependencyError, FileNotDecryptedError):
        raise PdfRefused(_encrypted_message(), PdfProblemKind.ENCRYPTED) from None
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, NotImplementedError):
        return b""


def _refuse_xfa_scripts(xfa: PdfObject) -> None:
    """Refuse an XFA form whose packets carry a <script> element."""
    xfa = xfa.get_object()
    packets = list(xfa) if isinstance(xfa, ArrayObject) else [xfa]
    budget = XFA_MAX
    for packet in packets:
        packet = packet.get_object()
        if not isinstance(packet, StreamObject):
            continue
        data = _decoded(packet, budget)
        budget -= len(data)
        if XFA_SCRIPT.search(data):
            raise PdfRefused(_(PDF_XFA_SCRIPT), PdfProblemKind.XFA_SCRIPT)
        if budget <= 0:
            return
