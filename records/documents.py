"""A4 documents in Sarabun, the official Thai font, shaped by HarfBuzz so vowels and tone marks sit right."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import fontpkg_sarabun
from fpdf import FPDF

FONT_DIR = fontpkg_sarabun.ROOT / "files"  # the font files ship with the package, no system fonts
FAMILY = "Sarabun"
MARGIN = 20  # mm, the usual margin of a Thai official letter
BODY = 12  # pt, Sarabun 16 is the official size for letters; a one-page form needs less
SMALL = 9
SARA_AM, NIKHAHIT_SARA_AA = "\u0e33", "\u0e4d\u0e32"


class Document(FPDF):
    """A4 portrait in Sarabun with a footer line given by the caller."""

    def __init__(self, title: str, footer: Callable[[], str] = lambda: "") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        for style, weight in (("", "Regular"), ("B", "Bold"), ("I", "Italic")):
            self.add_font(FAMILY, style, str(FONT_DIR / f"Sarabun-{weight}.ttf"))
        self.set_text_shaping(True)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.set_title(title)
        self.set_creator("webpub")
        # A fixed date makes the same record give the same bytes; the printed date is in the text.
        self.set_creation_date(datetime(2000, 1, 1, tzinfo=UTC))
        self._footer_text = footer
        self.set_font(FAMILY, "", BODY)

    def normalize_text(self, text: str) -> str:
        """Write sara am as nikhahit + sara aa, which Sarabun draws as its two parts anyway.

        HarfBuzz turns ำ into those two glyphs and fpdf2 can name only the first in the PDF's
        text map, so copied or extracted text would read "ตำ'แหน่ง"; written as the pair (its
        Unicode compatibility decomposition) it looks the same and reads back whole.
        """
        return super().normalize_text(text.replace(SARA_AM, NIKHAHIT_SARA_AA))

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def footer(self) -> None:
        self.set_y(-MARGIN + 4)
        self.set_font(FAMILY, "", SMALL)
        self.set_text_color(90, 90, 90)
        self.multi_cell(
            self.width - 15, 4, self._footer_text(), align="L", new_x="RIGHT", new_y="TOP"
        )
        self.cell(15, 4, f"{self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: int = 18) -> None:
        self.set_font(FAMILY, "B", size)
        self.multi_cell(self.width, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", BODY)

    def section(self, text: str) -> None:
        self.ln(2)
        self.set_font(FAMILY, "B", BODY + 1)
        self.cell(self.width, 8, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", BODY)

    def field(self, label: str, value: str, label_width: float = 48, size: float = BODY) -> None:
        """One labelled line of the record; the value wraps, the label stays in its column."""
        line = size * 0.45
        value_width = self.width - label_width
        self.set_font(FAMILY, "B", size)
        label_lines = self.multi_cell(label_width - 2, line, label, dry_run=True, output="LINES")
        self.set_font(FAMILY, "", size)
        value_lines = self.multi_cell(value_width, line, value or "-", dry_run=True, output="LINES")
        height = line * max(len(label_lines), len(value_lines))
        if self.will_page_break(height):
            self.add_page()
        top = self.get_y()
        self.set_font(FAMILY, "B", size)
        self.multi_cell(label_width - 2, line, label, align="L")
        self.set_font(FAMILY, "", size)
        self.set_xy(self.l_margin + label_width, top)
        self.multi_cell(value_width, line, value or "-", align="L")
        self.set_xy(self.l_margin, top + height)

    def line_of_text(
        self, text: str, size: float = BODY, style: str = "", indent: float = 0
    ) -> None:
        """A paragraph across the page, wrapped."""
        self.set_font(FAMILY, style, size)
        self.set_x(self.l_margin + indent)
        self.multi_cell(
            self.width - indent, size * 0.45, text, align="L", new_x="LMARGIN", new_y="NEXT"
        )
        self.set_font(FAMILY, "", BODY)
