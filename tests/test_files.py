"""File intake: what a sender is told when a file is refused, and what is kept when it is not."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from core.org_config import Files
from intake.files import (
    FileProblem,
    FileRefused,
    file_path,
    inspect_file,
    sanitize_name,
    store_file,
)
from locales import using_locale

OFFICE = Files(
    allowed_extensions=["pdf", "docx", "xlsx", "odt", "doc", "jpg", "png", "txt", "csv", "zip"],
    max_size_mb=20,
)


@pytest.fixture(autouse=True)
def english():
    with using_locale("en"):
        yield


def pdf(*objects: bytes) -> bytes:
    """A well-formed PDF with a cross-reference table; a one-page document by default."""
    objects = objects or (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    )
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_with_catalog(catalog: bytes) -> bytes:
    return pdf(
        catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    )


def archive(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return buffer.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal Word document built part by part, plus any extra parts."""
    return archive(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": "<w:document><w:body>ประกาศ</w:body></w:document>".encode(),
            **(extra or {}),
        }
    )


def odt(*extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        zf.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
        for name in extra:
            zf.writestr(name, "<script/>", zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def ole(*streams: str) -> bytes:
    """A compound file whose directory names the given streams (enough for sniffing)."""

    def entry(name: str) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        return encoded.ljust(64, b"\x00") + struct.pack("<H", len(encoded)) + b"\x00" * 62

    header = bytes.fromhex("d0cf11e0a1b11ae1").ljust(512, b"\x00")
    directory = b"".join(entry(name) for name in ("Root Entry", *streams))
    return header + directory.ljust(512, b"\x00") + b"\x00" * 512


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


def refusal(data: bytes, name: str, files: Files = OFFICE) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        inspect_file(data, name, files)
    return caught.value


def test_inspect_file_accepts_a_real_pdf_with_its_type_size_and_hash():
    data = pdf()
    checked = inspect_file(data, "ประกาศ.pdf", OFFICE)
    assert checked.name == "ประกาศ.pdf"
    assert checked.extension == "pdf"
    assert checked.mime_type == "application/pdf"
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def test_inspect_file_refuses_a_program_renamed_to_pdf():
    refused = refusal(EXE + b"\x00" * 200, "report.pdf")
    assert refused.reason == FileProblem.CONTENT
    assert str(refused).startswith("The file's content is not a real .pdf file.")
    assert ".pdf, .docx, .xlsx" in str(refused)


@pytest.mark.parametrize(
    "data",
    [b"\x7fELF\x02\x01\x01" + b"\x00" * 64, b"#!/bin/sh\nrm -rf /\n"],
    ids=["elf", "shebang"],
)
def test_inspect_file_refuses_programs_and_scripts_as_documents(data):
    assert refusal(data, "notes.txt").reason == FileProblem.CONTENT


def test_inspect_file_refuses_a_png_renamed_to_jpg():
    assert refusal(PNG, "photo.jpg").reason == FileProblem.CONTENT
    assert inspect_file(PNG, "photo.PNG", OFFICE).mime_type == "image/png"


def test_inspect_file_refuses_an_empty_file():
    refused = refusal(b"", "empty.pdf")
    assert refused.reason == FileProblem.EMPTY
    assert str(refused) == "The file is empty. Please send it again."


def test_inspect_file_refuses_a_file_over_the_limit_and_names_the_limit():
    small = Files(allowed_extensions=["pdf"], max_size_mb=1)
    refused = refusal(pdf() + b"\x00" * (1024 * 1024), "big.pdf", small)
    assert refused.reason == FileProblem.TOO_LARGE
    assert "larger than the 1 MB limit" in str(refused)
    assert "The file is 1.1 MB" in str(refused)


def test_inspect_file_refuses_a_type_not_allowed_and_lists_the_allowed():
    refused = refusal(b"PK\x03\x04", "slides.pptx")
    assert refused.reason == FileProblem.EXTENSION
    assert str(refused) == (
        "Files of type .pptx are not accepted. "
        "Accepted: .pdf, .docx, .xlsx, .odt, .doc, .jpg, .png, .txt, .csv, .zip."
    )


def test_inspect_file_refuses_a_name_without_a_type():
    refused = refusal(pdf(), "scan")
    assert refused.reason == FileProblem.NO_EXTENSION
    assert "Accepted: .pdf" in str(refused)


def test_inspect_file_refuses_programs_even_when_an_admin_allowed_them():
    careless = Files(allowed_extensions=["exe", "pdf"])
    refused = refusal(EXE, "setup.exe", careless)
    assert refused.reason == FileProblem.PROGRAM
    assert "Programs and scripts (.exe) cannot be published" in str(refused)


def test_inspect_file_accepts_a_docx_built_part_by_part():
    checked = inspect_file(docx(), "คำสั่ง.docx", OFFICE)
    assert checked.mime_type.endswith("wordprocessingml.document")


def test_inspect_file_refuses_a_docx_that_is_really_a_spreadsheet():
    workbook = archive({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"})
    assert refusal(workbook, "letter.docx").reason == FileProblem.CONTENT
    assert inspect_file(workbook, "budget.xlsx", OFFICE).mime_type.endswith("spreadsheetml.sheet")


def test_inspect_file_refuses_a_docx_carrying_a_vba_project():
    refused = refusal(docx({"word/vbaProject.bin": b"\xcc\x61"}), "letter.docx")
    assert refused.reason == FileProblem.MACROS
    assert str(refused).startswith("Office files with macros are not accepted.")


def test_inspect_file_refuses_a_docx_declaring_macro_enabled_content():
    types = CONTENT_TYPES.replace(b"document.main+xml", b"document.macroEnabled.main+xml")
    data = archive({"[Content_Types].xml": types, "word/document.xml": b"<w:document/>"})
    assert refusal(data, "letter.docx").reason == FileProblem.MACROS


@pytest.mark.parametrize("name", ["letter.docm", "budget.xlsm", "slides.pptm"])
def test_inspect_file_refuses_macro_enabled_office_types(name):
    refused = refusal(docx(), name, Files(allowed_extensions=["docm", "xlsm", "pptm"]))
    assert refused.reason == FileProblem.MACROS


def test_inspect_file_accepts_an_odt_and_refuses_one_with_basic_macros():
    assert inspect_file(odt(), "minutes.odt", OFFICE).mime_type.endswith("opendocument.text")
    assert refusal(odt("Basic/Standard/Module1.xml"), "minutes.odt").reason == FileProblem.MACROS


def test_inspect_file_accepts_a_legacy_doc_and_refuses_one_with_macros():
    assert inspect_file(ole("WordDocument"), "old.doc", OFFICE).mime_type == "application/msword"
    assert refusal(ole("WordDocument", "Macros", "VBA"), "old.doc").reason == FileProblem.MACROS
    assert refusal(ole("WordDocument", "_VBA_PROJECT"), "old.doc").reason == FileProblem.MACROS


def test_inspect_file_refuses_an_ole_file_that_is_not_a_word_document():
    assert refusal(ole("Workbook"), "old.doc").reason == FileProblem.CONTENT


@pytest.mark.parametrize(
    ("catalog", "reason", "words"),
    [
        (
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
            FileProblem.PDF_SCRIPT,
            "PDF files with JavaScript are not accepted.",
        ),
        (
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /#4A#61vaScript /#4A#53 (x) >> >>",
            FileProblem.PDF_SCRIPT,
            "PDF files with JavaScript are not accepted.",
        ),
        (
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (cmd.exe) >> >>",
            FileProblem.PDF_LAUNCH,
            "PDF files that start other programs are not accepted.",
        ),
        (
            b"<< /Type /Catalog /Pages 2 0 R /Names << /Embedded#46iles << /Names [] >> >> >>",
            FileProblem.PDF_EMBEDDED,
            "PDF files with other files attached inside are not accepted.",
        ),
    ],
    ids=["javascript", "hex-escaped-javascript", "launch", "hex-escaped-embedded-files"],
)
def test_inspect_file_refuses_pdf_active_content(catalog, reason, words):
    refused = refusal(pdf_with_catalog(catalog), "announcement.pdf")
    assert refused.reason == reason
    assert str(refused).startswith(words)


def test_inspect_file_refuses_pdf_javascript_hidden_in_an_object_stream():
    hidden = zlib.compress(b"5 0 << /S /JavaScript /JS (app.alert(1)) >>")
    head = b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>" % len(hidden)
    data = pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        head + b"\nstream\n" + hidden + b"\nendstream",
    )
    assert b"JavaScript" not in data
    assert refusal(data, "announcement.pdf").reason == FileProblem.PDF_SCRIPT


def test_inspect_file_accepts_pdf_words_that_only_look_like_actions():
    data = pdf_with_catalog(b"<< /Type /Catalog /Pages 2 0 R /JSON 1 /Launcher 2 /Names 3 >>")
    assert inspect_file(data, "ok.pdf", OFFICE).mime_type == "application/pdf"


def forbid_unpacking(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, fail the test if any part of an archive is opened (decompressed)."""

    def refuse_to_open(*args, **kwargs):
        raise AssertionError("an archive part was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse_to_open)


def test_inspect_file_refuses_an_archive_with_too_many_parts(monkeypatch):
    data = archive({f"part{n}.txt": b"" for n in range(10_001)}, zipfile.ZIP_STORED)
    forbid_unpacking(monkeypatch)
    refused = refusal(data, "photos.zip")
    assert refused.reason == FileProblem.TOO_MANY_PARTS
    assert "(10001)" in str(refused) and "at most 10000" in str(refused)


def test_inspect_file_refuses_a_highly_compressible_part(monkeypatch):
    data = archive({"word/document.xml": b"\x00" * (32 * 1024 * 1024)})
    assert len(data) < 100_000
    forbid_unpacking(monkeypatch)
    refused = refusal(data, "letter.zip")
    assert refused.reason == FileProblem.COMPRESSION_RATIO
    assert "more than 100 times its own size" in str(refused)


def test_inspect_file_refuses_an_archive_declaring_a_huge_unpacked_size(monkeypatch):
    data = bytearray(archive({"a.txt": b"hello"}, zipfile.ZIP_STORED))
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 250 * 1024 * 1024)  # uncompressed size field
    forbid_unpacking(monkeypatch)
    refused = refusal(bytes(data), "bundle.zip")
    assert refused.reason == FileProblem.UNPACKS_TOO_LARGE
    assert "250 MB, more than the 200 MB" in str(refused)


def test_inspect_file_refuses_an_archive_carrying_a_program():
    by_name = refusal(archive({"docs/readme.pdf": pdf(), "docs/setup.exe": b"x"}), "a.zip")
    assert by_name.reason == FileProblem.NESTED_PROGRAM
    assert "(setup.exe)" in str(by_name)
    by_content = refusal(archive({"docs/photo.jpg": EXE}), "a.zip")
    assert by_content.reason == FileProblem.NESTED_PROGRAM


def test_inspect_file_refuses_a_password_protected_archive():
    data = bytearray(archive({"a.txt": b"hello"}, zipfile.ZIP_STORED))
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, 0x1)  # general purpose flag: encrypted
    assert refusal(bytes(data), "a.zip").reason == FileProblem.ENCRYPTED


def test_inspect_file_accepts_a_zip_of_documents():
    data = archive({"ประกาศ/ข้อ1.pdf": pdf(), "ประกาศ/รูป.png": PNG})
    assert inspect_file(data, "ประกาศ.zip", OFFICE).mime_type == "application/zip"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874"])
def test_inspect_file_accepts_thai_text_in_utf8_and_windows_874(encoding):
    text = "ประกาศเทศบาลเมืองมุกดาหาร\nเรื่อง รับสมัครพนักงานจ้าง “ทั่วไป”\n"
    checked = inspect_file(text.encode(encoding), "ประกาศ.txt", OFFICE)
    assert checked.mime_type == "text/plain"
    assert inspect_file(text.encode(encoding), "list.csv", OFFICE).mime_type == "text/csv"


def test_inspect_file_refuses_binary_content_named_txt():
    assert refusal(b"\x01\x02\x03\xff\x00binary", "notes.txt").reason == FileProblem.CONTENT
    assert refusal("สวัสดี".encode("utf-16"), "notes.txt").reason == FileProblem.CONTENT


def test_store_file_keeps_content_under_its_hash_once(tmp_path: Path):
    data = pdf()
    sha = hashlib.sha256(data).hexdigest()
    first = store_file(data, tmp_path)
    second = store_file(data, tmp_path)
    assert first == second == tmp_path / "files" / sha[:2] / sha
    assert first.read_bytes() == data
    assert file_path(tmp_path, sha) == first
    assert [p.name for p in first.parent.iterdir()] == [sha]  # no temporary files left


def test_file_path_refuses_anything_but_a_sha256(tmp_path: Path):
    with pytest.raises(ValueError):
        file_path(tmp_path, "../../etc/passwd")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("C:\\Users\\สมชาย\\Desktop\\ประกาศ.pdf", "ประกาศ.pdf"),
        ("ประกาศ รับสมัคร.pdf", "ประกาศ รับสมัคร.pdf"),
        (".htaccess", "file.htaccess"),
        ("...pdf", "file.pdf"),
        ("", "file"),
        ("report\x00\x1b[31m.pdf", "report[31m.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("แบบฟอร์ม  \t คำร้อง.docx. ", "แบบฟอร์ม คำร้อง.docx"),
        ('what?"<>|*.pdf', "what______.pdf"),
    ],
)
def test_sanitize_name_cases(given, expected):
    assert sanitize_name(given) == expected


def test_sanitize_name_shortens_a_long_name_keeping_its_extension():
    name = sanitize_name("ก" * 300 + ".pdf")
    assert len(name) == 120
    assert name.endswith("ก.pdf")


def test_sanitize_name_does_not_part_a_thai_tone_mark_from_its_letter():
    name = sanitize_name("ข" * 115 + "ก่" * 10 + ".pdf")  # 120 would fall between ก and ่
    assert name == "ข" * 115 + ".pdf"
