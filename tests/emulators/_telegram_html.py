"""Telegram's HTML parse mode, parsed the way the Bot API server (tdlib) does it.

`parse_html(text)` returns the plain text and the message entities Telegram would store, or
raises `EntityParseError` with tdlib's wording; the Bot API prefixes it with
"Bad Request: can't parse entities: ".
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_NAME_TOKEN_RE = re.compile(r"[A-Za-z0-9.\-]*")


class EntityParseError(ValueError):
    """The HTML is not what Telegram accepts."""


@dataclass
class _Open:
    tag: str
    offset: int  # UTF-16 offset in the plain text
    attrs: dict[str, str] = field(default_factory=dict)


def utf16_length(text: str) -> int:
    """Offsets and lengths of Telegram entities count UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> tuple[str, list[dict]]:
    """The plain text and entities of `text` in HTML parse mode."""
    parser = _Parser(text)
    parser.run()
    return "".join(parser.out), sorted(parser.entities, key=lambda e: e["offset"])


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.out: list[str] = []
        self.offset = 0
        self.stack: list[_Open] = []
        self.entities: list[dict] = []

    def byte_offset(self, index: int) -> int:
        return len(self.text[:index].encode())

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.offset += utf16_length(chunk)

    def run(self) -> None:
        text = self.text
        while self.i < len(text):
            c = text[self.i]
            if c == "&":
                match = _ENTITY_RE.match(text, self.i)
                decoded = _decode(match) if match else None
                if decoded is not None:
                    self.emit(decoded)
                    self.i = match.end()
                    continue
            if c != "<":
                self.emit(c)
                self.i += 1
                continue
            if text[self.i + 1 : self.i + 2] == "/":
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            tag = self.stack[-1].tag
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{tag}"')

    def start_tag(self) -> None:
        text, begin = self.text, self.i
        j = begin + 1
        while j < len(text) and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= len(text):
            raise EntityParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        tag = text[begin + 1 : j].lower()
        if tag not in ENTITY_TYPES:
            at = self.byte_offset(begin)
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {at}')
        self.i = j
        attrs = self.attributes(tag, begin)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            at = self.byte_offset(begin)
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        self.stack.append(_Open(tag, self.offset, attrs))

    def attributes(self, tag: str, begin: int) -> dict[str, str]:
        """Read attributes up to and including the closing '>'."""
        text, attrs = self.text, {}
        while True:
            while self.i < len(text) and text[self.i].isspace():
                self.i += 1
            if self.i >= len(text):
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {self.byte_offset(begin)}"
                )
            if text[self.i] == ">":
                self.i += 1
                return attrs
            start = self.i
            while self.i < len(text) and not text[self.i].isspace() and text[self.i] not in "=>":
                self.i += 1
            name = text[start : self.i].lower()
            while self.i < len(text) and text[self.i].isspace():
                self.i += 1
            if self.i < len(text) and text[self.i] != "=" and tag == "blockquote":
                attrs[name] = ""  # <blockquote expandable>
                continue
            if self.i >= len(text) or text[self.i] != "=":
                at = self.byte_offset(begin)
                raise EntityParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {at}"
                )
            self.i += 1
            while self.i < len(text) and text[self.i].isspace():
                self.i += 1
            attrs[name] = self.attribute_value(begin)

    def attribute_value(self, begin: int) -> str:
        text = self.text
        if self.i >= len(text):
            raise EntityParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        quote = text[self.i]
        if quote in "\"'":
            end = text.find(quote, self.i + 1)
            if end < 0:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {self.byte_offset(begin)}"
                )
            value = html.unescape(text[self.i + 1 : end])
            self.i = end + 1
            return value
        match = _NAME_TOKEN_RE.match(text, self.i)
        self.i = match.end()
        if self.i < len(text) and not text[self.i].isspace() and text[self.i] != ">":
            at = self.byte_offset(match.start())
            raise EntityParseError(f"Unexpected end of name token at byte offset {at}")
        return match.group().lower()

    def end_tag(self) -> None:
        text, begin = self.text, self.i
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        j = begin + 2
        while j < len(text) and not text[j].isspace() and text[j] != ">":
            j += 1
        tag = text[begin + 2 : j].lower()
        while j < len(text) and text[j].isspace():
            j += 1
        if j >= len(text) or text[j] != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        top = self.stack[-1]
        if tag and tag != top.tag:
            at = self.byte_offset(begin)
            raise EntityParseError(
                f'Unmatched end tag at byte offset {at}, expected "</{top.tag}>", found "</{tag}>"'
            )
        self.stack.pop()
        self.i = j + 1
        self.close(top)

    def close(self, opened: _Open) -> None:
        length = self.offset - opened.offset
        if length <= 0:
            return
        entity: dict = {"type": ENTITY_TYPES[opened.tag], "offset": opened.offset, "length": length}
        if opened.tag == "a":
            if "href" not in opened.attrs:
                return
            entity["url"] = opened.attrs["href"]
        elif opened.tag == "blockquote" and "expandable" in opened.attrs:
            entity["type"] = "expandable_blockquote"
        elif opened.tag == "tg-emoji":
            entity["custom_emoji_id"] = opened.attrs.get("emoji-id", "")
        elif opened.tag == "code" and self._inside_pre(opened):
            return
        elif opened.tag == "pre" and opened.attrs.get("language"):
            entity["language"] = opened.attrs["language"]
        self.entities.append(entity)

    def _inside_pre(self, code: _Open) -> bool:
        """`<pre><code class="language-x">` is one pre entity with a language."""
        if not (self.stack and self.stack[-1].tag == "pre"):
            return False
        language = code.attrs.get("class", "")
        if language.startswith("language-"):
            self.stack[-1].attrs["language"] = language.removeprefix("language-")
        return True


def _decode(match: re.Match[str]) -> str | None:
    number, hex_number, name = match.groups()
    if name is not None:
        return NAMED_ENTITIES.get(name)
    code = int(number) if number is not None else int(hex_number, 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)
