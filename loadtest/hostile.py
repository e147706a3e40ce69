"""Hostile inputs: small files that once took the server down (issue #21), for the tests and the soak's attacker.

Each builder returns the bytes of a file a member could upload; none needs anything from the network.
"""

import io
import zipfile

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def docx(body: str, numbering: str = "", styles: str = "", stored: bool = False) -> bytes:
    """A .docx made of document.xml around `body`, with numbering.xml and styles.xml when given.

    `stored` leaves the parts uncompressed, as a file must be to pass the zip-bomb ratio check when
    its XML is one pattern repeated.
    """
    relationships = []
    if numbering:
        relationships.append(f'<Relationship Id="rNum" Type="{_OFFICE}/numbering" Target="numbering.xml"/>')
    if styles:
        relationships.append(f'<Relationship Id="rSty" Type="{_OFFICE}/styles" Target="styles.xml"/>')
    buffer = io.BytesIO()
    compression = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("word/document.xml", f"<w:document {W_NS}><w:body>{body}</w:body></w:document>")
        archive.writestr(
            "word/_rels/document.xml.rels",
            f'<Relationships xmlns="{_RELS_NS}">{"".join(relationships)}</Relationships>',
        )
        if numbering:
            archive.writestr("word/numbering.xml", f"<w:numbering {W_NS}>{numbering}</w:numbering>")
        if styles:
            archive.writestr("word/styles.xml", f"<w:styles {W_NS}>{styles}</w:styles>")
    return buffer.getvalue()


def list_definition(levels: list[tuple[int, str, str]]) -> str:
    """One abstract numbering (id 1) used by w:num 1; each level is (start, w:numFmt, w:lvlText)."""
    lvls = "".join(
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{number_format}"/>'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
        for ilvl, (start, number_format, text) in enumerate(levels)
    )
    return f'<w:abstractNum w:abstractNumId="1">{lvls}</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'


def numbered_paragraph(text: str, ilvl: int = 0) -> str:
    return (
        f'<w:p><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="1"/></w:numPr></w:pPr>'
        f"<w:r><w:t>{text}</w:t></w:r></w:p>"
    )


def numbering_amplifier(paragraphs: int = 2000) -> bytes:
    """A few KB whose nine list levels each repeat every counter hundreds of times in lettered form.

    Rendered without a bound, each paragraph's label is millions of characters: the probe's 6 KB file
    that took `drafting corpus add` to 7.2 GB.
    """
    placeholders = "".join(f"%{n}" for n in range(1, 10)) * 100
    levels = [(100_000, "lowerLetter", placeholders)] * 9
    body = "".join(numbered_paragraph("工会", ilvl=8) for _ in range(paragraphs))
    return docx(body, numbering=list_definition(levels))


def huge_letter_start(start: int = 10**12) -> bytes:
    """A lettered list whose first item is number `start`: written out, 'a' repeated start/26 times."""
    body = numbered_paragraph("江南区第三中学工会召开教代会，审议通过集体合同，推进校务公开。" * 3)
    return docx(body, numbering=list_definition([(start, "lowerLetter", "%1.")]))


def many_lettered_items(items: int = 2_000_000) -> bytes:
    """`items` empty paragraphs that are each a lettered list item through the default paragraph style."""
    styles = (
        '<w:style w:type="paragraph" w:default="1" w:styleId="L"><w:pPr><w:numPr><w:ilvl w:val="0"/>'
        '<w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
    )
    text = "江南区第三中学工会召开教代会，审议通过集体合同，推进校务公开，保障教职工的知情权。" * 2
    body = "<w:p/>" * items + f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
    return docx(body, numbering=list_definition([(1, "lowerLetter", "%1)")]), styles=styles, stored=True)
