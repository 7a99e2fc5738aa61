"""Safe XML reading for uploaded models.

Uploads are untrusted: no DTD, no entities, no network, bounded size, depth and attribute length.
`parse_xml` never raises; everything it refuses becomes a Problem.
"""
from __future__ import annotations

from lxml import etree

from .problems import Problem

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 200
MAX_ATTRIBUTE = 100 * 1024


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=False, dtd_validation=False)


def _prolog_text(data: bytes) -> str:
    """The start of the document as text, good enough to look for declarations before the root."""
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if head.startswith((b"\x00<", b"<\x00")):
        return head.decode("utf-16-be" if head[0] == 0 else "utf-16-le", errors="ignore")
    return head.decode("latin-1")


def has_doctype(data: bytes) -> bool:
    """True when a DOCTYPE or ENTITY declaration stands before the root element."""
    text = _prolog_text(data).lstrip("\ufeff\x00 \t\r\n")
    pos = 0
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n\x00":
            pos += 1
        rest = text[pos:pos + 9].upper()
        if rest.startswith("<?"):
            end, closer = text.find("?>", pos), 2
        elif rest.startswith("<!--"):
            end, closer = text.find("-->", pos), 3
        else:
            return rest.startswith(("<!DOCTYPE", "<!ENTITY"))
        if end < 0:
            return False
        pos = end + closer
    return False


def _measure(root, filename: str, max_depth: int, max_attribute: int) -> list[Problem]:
    depth = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        if depth > max_depth:
            return [Problem(filename, element.sourceline, None,
                            f"XML 嵌套超过 {max_depth} 层，拒绝读取 (nesting too deep)")]
        for name, value in element.attrib.items():
            if len(value) > max_attribute:
                return [Problem(filename, element.sourceline, None,
                                f"属性 {etree.QName(name).localname} 的值超过 {max_attribute // 1024} KB，"
                                f"拒绝读取 (attribute too long)")]
    return []


def parse_xml(data: bytes, filename: str, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH,
              max_attribute: int = MAX_ATTRIBUTE):
    """Parse untrusted XML. Returns (ElementTree, []) or (None, [Problem, ...]); never raises."""
    try:
        if not isinstance(data, (bytes, bytearray)):
            return None, [Problem(filename, None, None, "文件内容不是字节串 (expected bytes)")]
        if len(data) == 0 or not bytes(data).strip():
            return None, [Problem(filename, None, None, "文件是空的 (empty file)")]
        if len(data) > max_bytes:
            return None, [Problem(filename, None, None,
                                  f"文件大小 {len(data)} 字节超过上限 {max_bytes} 字节 (file too large)")]
        if has_doctype(bytes(data)):
            return None, [Problem(filename, 1, None,
                                  "文件含有 DOCTYPE/ENTITY 声明，出于安全原因拒绝读取；请删除 <!DOCTYPE ...> "
                                  "(DOCTYPE declarations are not allowed)")]
        try:
            root = etree.fromstring(bytes(data), _parser())
        except etree.XMLSyntaxError as exc:
            line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
            if "Excessive depth" in str(exc.msg):
                return None, [Problem(filename, line, None,
                                      f"XML 嵌套超过 {max_depth} 层，拒绝读取 (nesting too deep)")]
            return None, [Problem(filename, line, None, f"不是格式正确的 XML (malformed XML): {exc.msg}")]
        if root is None:
            return None, [Problem(filename, None, None, "不是 XML 文件 (not XML)")]
        tree = root.getroottree()
        if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
            return None, [Problem(filename, 1, None,
                                  "文件含有 DOCTYPE 声明，出于安全原因拒绝读取 (DOCTYPE declarations are not allowed)")]
        problems = _measure(root, filename, max_depth, max_attribute)
        return (None, problems) if problems else (tree, [])
    except Exception as exc:  # pragma: no cover - lxml refusing in a way not foreseen above
        return None, [Problem(filename, None, None, f"无法读取 XML (unreadable XML): {type(exc).__name__}")]
