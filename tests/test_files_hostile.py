"""Hostile files, each made in the test, are refused with what was found; the files that the
libraries offices use write are accepted. Nothing refused is stored."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from odf.opendocument import OpenDocumentText
from odf.text import P
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

from core.org_config import Files
from intake.files import FileProblem, FileRefused, inspect_file, store_file
from locales import using_locale

ACCEPTING = Files(
    allowed_extensions=[
        "pdf", "docx", "xlsx", "pptx", "odt", "ods", "doc", "jpg", "jpeg", "png", "gif",
        "webp", "txt", "csv", "zip",
    ],
    max_size_mb=20,
)  # fmt: skip


# -- clean files, written by the libraries that write them ---------------------------------


def pdf_document(pages: int = 1) -> PdfWriter:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": "ประกาศเทศบาล"})
    return writer


def written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def word_document() -> docx.Document:
    document = docx.Document()
    document.add_heading("ประกาศเทศบาลเมืองมุกดาหาร", level=1)
    document.add_paragraph("เรื่อง รับสมัครพนักงานจ้างทั่วไป")
    return document


def docx_bytes(document=None) -> bytes:
    out = io.BytesIO()
    (document or word_document()).save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["รายการ", "งบประมาณ"])
    book.active.append(["ถนน", 1_500_000])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def odt_bytes() -> bytes:
    document = OpenDocumentText()
    document.text.addElement(P(text="รายงานการประชุม"))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def image_bytes(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, kind)
    return out.getvalue()


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


CLEAN = {
    "ประกาศ.pdf": lambda: written(pdf_document(2)),
    "คำสั่ง.docx": docx_bytes,
    "งบประมาณ.xlsx": xlsx_bytes,
    "รายงาน.odt": odt_bytes,
    "รูป.jpg": lambda: image_bytes("JPEG"),
    "รูป.png": lambda: image_bytes("PNG"),
    "รูป.gif": lambda: image_bytes("GIF"),
    "รูป.webp": lambda: image_bytes("WEBP"),
    "ข่าว.txt": lambda: "ข่าวประชาสัมพันธ์\n".encode(),
    "รายชื่อ.csv": lambda: "ชื่อ,หน่วยงาน\nสมชาย,กองคลัง\n".encode("cp874"),
    "เอกสาร.zip": lambda: zip_of({"a.pdf": written(pdf_document()), "b.png": image_bytes("PNG")}),
}


@pytest.mark.parametrize("name", list(CLEAN))
def test_inspect_file_accepts_clean_files_the_office_libraries_write(name):
    data = CLEAN[name]()
    checked = inspect_file(data, name, ACCEPTING)
    assert checked.size == len(data)
    assert checked.extension == name.rsplit(".", 1)[1]


# -- hostile files ------------------------------------------------------------------------


def pdf_with_open_action(action: DictionaryObject) -> bytes:
    writer = pdf_document()
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return written(writer)


def pdf_javascript() -> bytes:
    return pdf_with_open_action(
        DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert(1)"),
            }
        )
    )


def pdf_launch() -> bytes:
    return pdf_with_open_action(
        DictionaryObject(
            {
                NameObject("/S"): NameObject("/Launch"),
                NameObject("/F"): TextStringObject("cmd.exe"),
            }
        )
    )


def pdf_attachment() -> bytes:
    writer = pdf_document()
    writer.add_attachment("payload.exe", b"MZ" + b"\x00" * 64)
    return written(writer)


def pdf_xfa_script() -> bytes:
    writer = pdf_document()
    packet = DecodedStreamObject()
    packet.set_data(
        b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template><subform>'
        b'<event activity="initialize"><script contentType="application/x-formcalc">'
        b"xfa.host.messageBox(1)</script></event></subform></template></xdp:xdp>"
    )
    form = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject(),
            NameObject("/XFA"): ArrayObject(
                [TextStringObject("template"), writer._add_object(packet)]
            ),
        }
    )
    writer.root_object[NameObject("/AcroForm")] = writer._add_object(form)
    return written(writer)


def pdf_encrypted() -> bytes:
    writer = pdf_document()
    writer.encrypt(user_password="ลับ-secret", algorithm="RC4-128")
    return written(writer)


def pdf_hex_object_stream() -> bytes:
    """JavaScript in an object stream encoded with /ASCIIHexDecode, named by an xref stream."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"
    pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
    action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    inner_objects = [catalog, pages, page, action]
    offsets, body = [], b""
    for obj in inner_objects:
        offsets.append(len(body))
        body += obj + b"\n"
    header = b" ".join(b"%d %d" % (n, off) for n, off in zip((1, 2, 3, 4), offsets, strict=True))
    header += b"\n"
    encoded = (header + body).hex().encode() + b">"
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    objstm_at = len(out)
    out += (
        b"5 0 obj\n<< /Type /ObjStm /N 4 /First %d /Filter /ASCIIHexDecode /Length %d >>\n"
        b"stream\n%s\nendstream\nendobj\n" % (len(header), len(encoded), encoded)
    )
    xref_at = len(out)
    rows = [b"\x00\x00\x00\x00"]  # object 0: free
    rows += [b"\x02\x00\x05" + bytes([i]) for i in range(4)]  # 1..4 in object stream 5
    rows += [b"\x01" + objstm_at.to_bytes(2, "big") + b"\x00"]  # 5 itself
    rows += [b"\x01" + xref_at.to_bytes(2, "big") + b"\x00"]  # 6, this xref stream
    table = b"".join(rows)
    out += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 2 1] /Root 1 0 R /Length %d >>\n"
        b"stream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % (len(table), table, xref_at)
    )
    data = bytes(out)
    assert b"JavaScript" not in data and b"/JS" not in data
    reader = PdfReader(io.BytesIO(data))  # a reader opens it and finds the script
    assert reader.trailer["/Root"]["/OpenAction"]["/S"] == "/JavaScript"
    return data


def pdf_incremental_javascript() -> bytes:
    """A clean PDF, then an incremental update that adds an open action with a script."""
    original = written(pdf_document())
    writer = PdfWriter(io.BytesIO(original), incremental=True)
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): writer._add_object(_stream(b"app.launchURL('http://x')")),
        }
    )
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    data = written(writer)
    assert data.startswith(original)
    return data


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def pdf_zip_polyglot() -> bytes:
    return written(pdf_document()) + zip_of({"run.txt": b"hello"})


def zip_pdf_polyglot() -> bytes:
    """A ZIP whose first part, stored, is a PDF: a PDF reader finds its header at byte 34."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.pdf", written(pdf_document()))
    data = out.getvalue()
    assert 0 < data.find(b"%PDF-") < 1024
    return data


def docx_with_parts(parts: dict[str, bytes], rels: bytes | None = None) -> bytes:
    """A python-docx document with extra parts and, optionally, extra document relationships."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if rels and info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", rels + b"</Relationships>")
            target.writestr(info, data)
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


OLE = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504
OLE_REL = (
    b'<Relationship Id="rId90" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/oleObject" Target="embeddings/oleObject1.bin"/>'
)
ACTIVEX_REL = (
    b'<Relationship Id="rId91" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/control" Target="activeX/activeX1.xml"/>'
)
TEMPLATE_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
    b'Target="http://203.0.113.9/template.dotm" TargetMode="External"/></Relationships>'
)


def legacy_doc_with_object_pool() -> bytes:
    def entry(name: str) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        return encoded.ljust(64, b"\x00") + len(encoded).to_bytes(2, "little") + b"\x00" * 62

    header = bytes.fromhex("d0cf11e0a1b11ae1").ljust(512, b"\x00")
    names = ("Root Entry", "WordDocument", "ObjectPool")
    return header + b"".join(entry(n) for n in names).ljust(512, b"\x00") + b"\x00" * 512


HOSTILE = {
    "pdf-javascript": ("a.pdf", pdf_javascript, FileProblem.PDF_SCRIPT, "JavaScript"),
    "pdf-launch": ("a.pdf", pdf_launch, FileProblem.PDF_LAUNCH, "start other programs"),
    "pdf-embedded-file": ("a.pdf", pdf_attachment, FileProblem.PDF_EMBEDDED, "attached inside"),
    "pdf-xfa-script": ("a.pdf", pdf_xfa_script, FileProblem.PDF_XFA_SCRIPT, "scripts (XFA)"),
    "pdf-encrypted": ("a.pdf", pdf_encrypted, FileProblem.PDF_ENCRYPTED, "encrypted"),
    "pdf-asciihex-object-stream": (
        "a.pdf",
        pdf_hex_object_stream,
        FileProblem.PDF_SCRIPT,
        "JavaScript",
    ),
    "pdf-incremental-update": (
        "a.pdf",
        pdf_incremental_javascript,
        FileProblem.PDF_SCRIPT,
        "JavaScript",
    ),
    "pdf-zip-polyglot": ("a.pdf", pdf_zip_polyglot, FileProblem.POLYGLOT, "ZIP archive"),
    "zip-pdf-polyglot": ("a.zip", zip_pdf_polyglot, FileProblem.POLYGLOT, "ZIP archive"),
    "docx-ole-object": (
        "a.docx",
        lambda: docx_with_parts({"word/embeddings/oleObject1.bin": OLE}, OLE_REL),
        FileProblem.OLE_OBJECT,
        "embedded objects (OLE)",
    ),
    "docx-activex": (
        "a.docx",
        lambda: docx_with_parts(
            {"word/activeX/activeX1.xml": b"<ax:ocx/>", "word/activeX/activeX1.bin": b"\x00"},
            ACTIVEX_REL,
        ),
        FileProblem.ACTIVEX,
        "ActiveX",
    ),
    "docx-remote-template": (
        "a.docx",
        lambda: docx_with_parts({"word/_rels/settings.xml.rels": TEMPLATE_RELS}),
        FileProblem.EXTERNAL_TEMPLATE,
        "remote template",
    ),
    "docx-macros": (
        "a.docx",
        lambda: docx_with_parts({"word/vbaProject.bin": OLE}),
        FileProblem.MACROS,
        "macros",
    ),
    "doc-object-pool": (
        "a.doc",
        legacy_doc_with_object_pool,
        FileProblem.OLE_OBJECT,
        "embedded objects (OLE)",
    ),
    "odt-ole-object": (
        "a.odt",
        lambda: _odt_with({"Object 1": OLE}),
        FileProblem.OLE_OBJECT,
        "embedded objects (OLE)",
    ),
}


def _odt_with(parts: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(odt_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for name, data in parts.items():
            target.writestr(name, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_inspect_file_refuses_hostile_files_saying_what_was_found(kind, tmp_path: Path):
    name, make, problem, words = HOSTILE[kind]
    data = make()
    with using_locale("en"), pytest.raises(FileRefused) as caught:
        inspect_file(data, name, ACCEPTING)
        store_file(data, tmp_path)  # what the bot does after a check that passes
    assert caught.value.reason == problem
    assert words in str(caught.value)
    with using_locale("th"), pytest.raises(FileRefused) as in_thai:
        inspect_file(data, name, ACCEPTING)
    assert str(in_thai.value) != str(caught.value)  # told in the person's own language
    assert not any(tmp_path.rglob("*"))


def test_inspect_file_accepts_a_docx_with_an_ordinary_web_link():
    document = word_document()
    part = document.part
    part.relate_to(
        "https://www.mukdahancity.go.th/",
        docx.opc.constants.RELATIONSHIP_TYPE.HYPERLINK,
        is_external=True,
    )
    assert inspect_file(docx_bytes(document), "a.docx", ACCEPTING).extension == "docx"
