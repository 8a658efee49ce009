"""What is inside a received file: its real type by magic bytes, and content a public website
must never carry (programs, macros, PDF scripts and actions, embedded files, zip bombs)."""

from __future__ import annotations

import io
import math
import re
import struct
import zipfile
import zlib
from enum import StrEnum
from functools import cache
from pathlib import PurePosixPath

from core.errors import Refusal
from intake.names import extension_of, sanitize_name
from intake.office import office_finding
from locales import _

MIB = 1024 * 1024
MAX_ENTRIES = 10_000  # zip-bomb guard: real Office files and archives have far fewer parts
MAX_UNPACKED = 200 * MIB  # zip-bomb guard: the declared total size of all parts unpacked
MAX_RATIO = 100  # zip-bomb guard: declared unpacked bytes per byte of the file
RATIO_FROM = 10 * MIB  # below this unpacked size a high ratio harms nobody (XML compresses well)
EOCD_SEARCH = 22 + 0xFFFF  # ZIP APPNOTE 4.3.16: end record (22 bytes) plus the longest comment
PEEK = 64  # bytes read from the start of each archive part to recognise a program
ODF_MIMETYPE_MAX = 100  # ODF 1.2 part 3, 3.3: the "mimetype" part holds only a MIME type
CONTENT_TYPES_MAX = MIB  # OOXML [Content_Types].xml read to find macro-enabled parts
OLE_ENTRY = 128  # [MS-CFB] 2.6: a directory entry is 128 bytes, its name 64 bytes of UTF-16LE
PDF_HEADER_PROBE = 1024  # readers accept a PDF header within the first 1024 bytes (ISO 32000-1 H.3)

PDF = "application/pdf"
TEXT = "text/plain"
ZIP = "application/zip"
OCTET = "application/octet-stream"
OLE_GENERIC = "application/x-ole-storage"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODF = "application/vnd.oasis.opendocument."

MIME_BY_EXTENSION = {
    "pdf": PDF,
    "docx": DOCX,
    "xlsx": XLSX,
    "pptx": PPTX,
    "odt": ODF + "text",
    "ods": ODF + "spreadsheet",
    "odp": ODF + "presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "txt": TEXT,
    "csv": "text/csv",
    "zip": ZIP,
}
MACRO_EXTENSIONS = frozenset(
    {"docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "ppam", "sldm"}
)
PROGRAM_EXTENSIONS = frozenset(
    {"exe", "dll", "com", "scr", "pif", "cpl", "msi", "msp", "bat", "cmd", "ps1", "psm1", "vbs"}
    | {"vbe", "js", "jse", "wsf", "wsh", "hta", "jar", "sh", "lnk", "reg", "apk", "app"}
)
PROGRAM_MAGIC = (
    b"\x7fELF",  # Linux and Unix programs
    b"#!",  # scripts with an interpreter line
    b"\xfe\xed\xfa\xce",  # Mach-O 32-bit
    b"\xfe\xed\xfa\xcf",  # Mach-O 64-bit
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal, Java class
)
IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or an empty archive
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # [MS-CFB] 2.2 header signature
OLE_KINDS = (
    ("WordDocument", "application/msword"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
)
OLE_MACRO_STREAMS = ("Macros", "_VBA_PROJECT_CUR", "_VBA_PROJECT")
OLE_OBJECT_POOL = "ObjectPool"  # [MS-DOC] 2.1.5: the storage of embedded OLE objects
OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
MIME_SHAPE = re.compile(r"[a-z0-9.+-]+/[a-z0-9.+-]+")


class FileProblem(StrEnum):
    """Why a file was refused, for logs and tests (the sender reads the message)."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NO_EXTENSION = "no_extension"
    EXTENSION = "extension"
    PROGRAM = "program"
    CONTENT = "content"
    MACROS = "macros"
    PDF_SCRIPT = "pdf_script"
    PDF_LAUNCH = "pdf_launch"
    PDF_EMBEDDED = "pdf_embedded"
    TOO_MANY_PARTS = "too_many_parts"
    UNPACKS_TOO_LARGE = "unpacks_too_large"
    COMPRESSION_RATIO = "compression_ratio"
    ENCRYPTED = "encrypted"
    PERSONAL_DATA = "personal_data"
    NESTED_PROGRAM = "nested_program"
    PDF_XFA_SCRIPT = "pdf_xfa_script"
    PDF_ENCRYPTED = "pdf_encrypted"
    PDF_UNREADABLE = "pdf_unreadable"
    OLE_OBJECT = "ole_object"
    ACTIVEX = "activex"
    EXTERNAL_TEMPLATE = "external_template"
    POLYGLOT = "polyglot"


class FileRefused(Refusal):
    """A received file cannot be accepted; the message is the reason, in the current locale."""

    def __init__(self, message: str, reason: FileProblem) -> None:
        super().__init__(message)
        self.reason = reason


class NotGenuine(Exception):
    """The content is not the kind of file its extension claims (turned into a FileRefused)."""


def macros_refused() -> FileRefused:
    """The refusal of an Office or ODF document that carries macros."""
    message = _(
        "Office files with macros are not accepted. "
        "Please save the document without macros (for example as .docx or .xlsx) and send it again."
    )
    return FileRefused(message, FileProblem.MACROS)


def office_refused(problem: FileProblem) -> FileRefused:
    """The refusal of an Office or ODF document with an object, a control or a remote part."""
    messages = {
        FileProblem.OLE_OBJECT: _(
            "Office files with embedded objects (OLE) are not accepted. "
            "Please paste the content itself, or send the object as a file of its own."
        ),
        FileProblem.ACTIVEX: _(
            "Office files with ActiveX controls are not accepted. "
            "Please remove the controls and send the file again."
        ),
        FileProblem.EXTERNAL_TEMPLATE: _(
            "The document loads a template or object from another place (a remote template), "
            "which is not accepted. Please save it as a plain document and send it again."
        ),
    }
    return FileRefused(messages[problem], problem)


def polyglot_refused(mime: str) -> FileRefused:
    """The refusal of a file that is two formats at once (a PDF that is also a ZIP archive)."""
    kind = "PDF" if mime == PDF else mime.split("/")[-1].upper()
    message = _(
        "The file is a {kind} and a ZIP archive at the same time, as disguised files are. "
        "Please save the document again and send only the document."
    )
    return FileRefused(message.format(kind=kind), FileProblem.POLYGLOT)


def _is_zip_too(data: bytes) -> bool:
    """Whether a file that is not a ZIP also carries a ZIP archive a ZIP reader would open."""
    if b"PK\x05\x06" not in data[-EOCD_SEARCH:]:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        return False


def verify_content(data: bytes, extension: str) -> str:
    """The file's MIME type once its content proves to be what the extension claims."""
    if _looks_like_program(data):
        raise NotGenuine
    if not data.startswith(ZIP_MAGIC):
        mime = _sniff_flat(data)
        if not _matches(extension, mime):
            raise NotGenuine
        _refuse_active_flat(data, mime)
        return MIME_BY_EXTENSION.get(extension, mime)
    if b"%PDF-" in data[:PDF_HEADER_PROBE]:
        raise polyglot_refused(PDF)  # a reader would open it as a PDF as well
    archive = _open_archive(data)
    with archive:
        mime = _archive_mime(archive)
        if extension != "zip" and not _matches(extension, mime):
            raise NotGenuine
        _refuse_archive_content(archive, mime)
    return MIME_BY_EXTENSION.get(extension, mime)


def _matches(extension: str, mime: str) -> bool:
    """Whether sniffed content fits the extension (a type without a known signature fits)."""
    expected = MIME_BY_EXTENSION.get(extension)
    if expected is None:
        return True
    return mime == (TEXT if extension == "csv" else expected)


def _looks_like_program(head: bytes) -> bool:
    """Whether bytes start like a program: Windows (MZ), Linux, macOS, Java or a script."""
    if head.startswith(b"MZ") and b"\x00" in head[2:64]:
        return True
    return head.startswith(PROGRAM_MAGIC)


def _sniff_flat(data: bytes) -> str:
    """The MIME type of content that is not a ZIP container, by its first bytes."""
    if b"%PDF-" in data[:PDF_HEADER_PROBE]:
        return PDF
    for magic, mime in IMAGE_MAGIC:
        if data.startswith(magic):
            return mime
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(OLE_MAGIC):
        return next((m for name, m in OLE_KINDS if _ole_has_entry(data, name)), OLE_GENERIC)
    return TEXT if _is_text(data) else OCTET


def _is_text(data: bytes) -> bool:
    """Whether data is plain text in UTF-8 or Thai Windows-874 / TIS-620."""
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "cp874"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not TEXT_CONTROLS.search(text)
    return False


def _refuse_active_flat(data: bytes, mime: str) -> None:
    """Refuse PDF actions and scripts, and legacy Office files with macros."""
    if _is_zip_too(data):
        raise polyglot_refused(mime)
    if mime == PDF:
        from intake.pdf import PdfRefused, refuse_pdf_active_content  # pypdf loads on a first PDF

        try:
            refuse_pdf_active_content(data)
        except PdfRefused as refused:
            raise FileRefused(refused.message, FileProblem(refused.kind)) from None
    elif data.startswith(OLE_MAGIC):
        if any(_ole_has_entry(data, stream) for stream in OLE_MACRO_STREAMS):
            raise macros_refused()
        if _ole_has_entry(data, OLE_OBJECT_POOL):
            raise office_refused(FileProblem.OLE_OBJECT)


@cache
def _ole_entry(name: str) -> re.Pattern[bytes]:
    """The name field and name length of an OLE directory entry, matched in any case."""
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    field = encoded.ljust(64, b"\x00") + struct.pack("<H", len(encoded))
    return re.compile(re.escape(field), re.IGNORECASE)


def _ole_has_entry(data: bytes, name: str) -> bool:
    """Whether an OLE compound file has a storage or stream of this name."""
    return any(m.start() % OLE_ENTRY == 0 for m in _ole_entry(name).finditer(data))


def _open_archive(data: bytes) -> zipfile.ZipFile:
    """A ZIP container read from its directory alone, refused if it is a bomb or locked."""
    if _declared_entries(data) > MAX_ENTRIES:
        raise _too_many_parts(_declared_entries(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise NotGenuine from None
    try:
        _refuse_bomb(archive.infolist(), len(data))
    except FileRefused:
        archive.close()
        raise
    return archive


def _declared_entries(data: bytes) -> int:
    """The part count a ZIP end record declares, read without parsing the directory."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - EOCD_SEARCH))
    if at < 0 or at + 22 > len(data):
        return 0
    count = struct.unpack_from("<H", data, at + 10)[0]
    return 0 if count == 0xFFFF else count  # ZIP64 keeps the real count elsewhere


def _too_many_parts(count: int) -> FileRefused:
    """The refusal of a container with more parts than can be checked."""
    message = _(
        "The file has too many parts inside ({count}) to be checked safely; "
        "at most {limit} are accepted."
    )
    return FileRefused(message.format(count=count, limit=MAX_ENTRIES), FileProblem.TOO_MANY_PARTS)


def _refuse_bomb(infos: list[zipfile.ZipInfo], packed: int) -> None:
    """Refuse a container whose declared contents are out of proportion, or locked."""
    if len(infos) > MAX_ENTRIES:
        raise _too_many_parts(len(infos))
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED:
        message = _(
            "The file would unpack to {size} MB, more than the {limit} MB "
            "that can be checked safely. Please send a smaller file."
        )
        size, limit = math.ceil(unpacked / MIB), MAX_UNPACKED // MIB
        raise FileRefused(message.format(size=size, limit=limit), FileProblem.UNPACKS_TOO_LARGE)
    if unpacked > RATIO_FROM and unpacked > MAX_RATIO * packed:
        message = _(
            "The file would unpack to more than {ratio} times its own size, "
            "as harmful archives do. Please send the documents themselves."
        )
        raise FileRefused(message.format(ratio=MAX_RATIO), FileProblem.COMPRESSION_RATIO)
    if any(info.flag_bits & 0x1 for info in infos):  # APPNOTE 4.4.4: bit 0, encrypted
        message = _(
            "The file is protected with a password, so it cannot be checked. "
            "Please send it without a password."
        )
        raise FileRefused(message, FileProblem.ENCRYPTED)


def _peek(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The first bytes of a part; only stored and deflated parts, whose reads stay bounded."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return b""
    try:
        with archive.open(info) as part:
            return part.read(limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise NotGenuine from None


def _archive_mime(archive: zipfile.ZipFile) -> str:
    """The MIME type of a ZIP container: an ODF or OOXML document, or a plain archive."""
    names = archive.namelist()
    if "mimetype" in names:
        info = archive.getinfo("mimetype")
        if info.file_size <= ODF_MIMETYPE_MAX:
            declared = _peek(archive, info, ODF_MIMETYPE_MAX).decode("ascii", "replace").strip()
            if MIME_SHAPE.fullmatch(declared):
                return declared
    if "[Content_Types].xml" in names:
        for prefix, mime in OOXML_PARTS:
            if any(name.startswith(prefix) for name in names):
                return mime
    return ZIP


def _refuse_archive_content(archive: zipfile.ZipFile, mime: str) -> None:
    """Refuse macros and programs inside an Office, ODF or ZIP container."""
    if _has_macros(archive, mime):
        raise macros_refused()
    if mime.startswith(ODF) or mime in (DOCX, XLSX, PPTX):
        finding = office_finding(archive, is_odf=mime.startswith(ODF))
        if finding is not None:
            raise office_refused(FileProblem(finding))
    for info in archive.infolist():
        if info.is_dir():
            continue
        if extension_of(PurePosixPath(info.filename).name) in MACRO_EXTENSIONS:
            raise macros_refused()
        if _is_program_part(archive, info):
            message = _(
                "The file contains a program or script ({name}), which cannot be published. "
                "Please remove it and send the file again."
            )
            shown = sanitize_name(info.filename)
            raise FileRefused(message.format(name=shown), FileProblem.NESTED_PROGRAM)


def _has_macros(archive: zipfile.ZipFile, mime: str) -> bool:
    """Whether an OOXML container holds a VBA project or an ODF one holds Basic or scripts."""
    names = archive.namelist()
    if any(PurePosixPath(name).name.lower() == "vbaproject.bin" for name in names):
        return True
    if mime.startswith(ODF) and any(n.lower().startswith(("basic/", "scripts/")) for n in names):
        return True
    if "[Content_Types].xml" not in names:
        return False
    types = _peek(archive, archive.getinfo("[Content_Types].xml"), CONTENT_TYPES_MAX).lower()
    return b"macroenabled" in types or b"vbaproject" in types


def _is_program_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a part of a container is a program, by its name or its first bytes."""
    if extension_of(PurePosixPath(info.filename).name) in PROGRAM_EXTENSIONS:
        return True
    return _looks_like_program(_peek(archive, info, PEEK))
