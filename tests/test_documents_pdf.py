"""PDFs: Chromium-printed reports come back as clean paragraphs; hostile or unusable PDFs get a Chinese message.

Tests named *_chromium_* print real PDFs with headless Chromium. They skip only when Chromium is
missing on a developer machine; under CI (CI set) a missing Chromium fails them.
"""

import base64
import io
import os
import struct
import subprocess
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from drafting.documents import pdf, read_document, read_document_bytes
from drafting.documents.pdf_pages import page_lines
from drafting.errors import UserError

CHROMIUM = Path("/usr/bin/chromium")

TITLE = "江南区第三中学工会2023年度工作总结"
SECTIONS = [
    (
        "一、加强民主管理",
        [
            "全年召开教职工代表大会两次，审议通过集体合同和学校章程修正案，推进校务公开，"
            "保障教职工的知情权、参与权、表达权和监督权。各工会小组共收集提案36件，全部按期办结并书面答复提案人。",
            "坚持院务公开制度，把职称评聘、绩效工资分配和评优评先方案在校务公开栏和教职工群里公示，"
            "接受全体教职工监督，全年未发生一起相关投诉。",
        ],
    ),
    (
        "（一）组织劳动竞赛",
        [
            "开展“岗位建功”劳动竞赛，参赛班组52个，收到合理化建议143条，采纳并实施合理化建议86条，"
            "为学校节约经费12.5万元。竞赛覆盖教学、后勤和行政三个系列，参与教职工达到全员的九成以上。",
            "组织青年教师教学基本功比赛和班主任技能大赛，评出一等奖6名、二等奖12名、三等奖18名，"
            "获奖教师的公开课视频在全区教研平台上展示交流。",
        ],
    ),
    (
        "二、关心职工生活",
        [
            "春节和中秋期间走访慰问困难职工、退休教师和生病住院教职工共41人次，发放慰问金4.6万元，"
            "为每位会员办理职工互助保障，全年为9名患病会员申领互助金2.3万元。",
            "组织教职工健康体检，开设瑜伽、羽毛球和书法兴趣小组，每周活动一次，参加活动的教职工"
            "累计超过一千人次，教工之家被评为区级示范职工之家。",
        ],
    ),
    (
        "三、存在的问题",
        [
            "一是会员活动的形式还比较单一，对青年教职工的吸引力不够；二是工会经费使用的计划性有待加强，"
            "部分活动经费预算偏紧；三是基层工会小组长的培训还需要进一步加强。",
        ],
    ),
]
EXPECTED = "\n\n".join([TITLE] + [p for heading, body in SECTIONS for p in (heading, *body)])
STYLE = """
@page { size: A4; margin: 25mm 24mm;
  @top-center { content: "江南区第三中学工会（内部资料）"; font-size: 10pt; }
  @bottom-center { content: "— " counter(page) " —"; font-size: 10pt; } }
body { font-family: "Noto Serif CJK SC"; font-size: 17pt; line-height: 1.7; }
h1 { font-size: 22pt; text-align: center; }
p { text-indent: 2em; margin: 0 0 0.4em 0; }
"""


def _report_html(repeat: int = 1) -> str:
    blocks = [f"<h1>{TITLE}</h1>"]
    for _ in range(repeat):
        for heading, body in SECTIONS:
            blocks.append(f"<p>{heading}</p>")
            blocks.extend(f"<p>{paragraph}</p>" for paragraph in body)
    return f'<!doctype html><html><head><meta charset="utf-8"><style>{STYLE}</style></head><body>{"".join(blocks)}</body></html>'


def print_with_chromium(html: str, folder: Path) -> bytes:
    """Print an HTML page to PDF with headless Chromium, as a user's browser or WPS export would."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is required under CI to build the test PDFs")
        pytest.skip("no /usr/bin/chromium on this machine")
    page, out = folder / "page.html", folder / "out.pdf"
    page.write_text(html, encoding="utf-8")
    subprocess.run(
        [
            str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={folder / 'profile'}", "--no-pdf-header-footer", f"--print-to-pdf={out}",
            page.as_uri(),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return out.read_bytes()


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory) -> bytes:
    return print_with_chromium(_report_html(), tmp_path_factory.mktemp("chromium"))


def test_chromium_report_pdf_reads_as_clean_paragraphs(report_pdf, tmp_path):
    pages = PdfReader(io.BytesIO(report_pdf)).pages
    assert len(pages) >= 2
    raw = "\n".join(page.extract_text() for page in pages)
    assert "— 2 —" in raw and raw.count("（内部资料）") == len(pages)  # the furniture really is in the PDF
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf)
    assert read_document(path) == EXPECTED


def test_chromium_owner_password_only_pdf_is_read(report_pdf):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(report_pdf)))
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert read_document_bytes("restricted.pdf", buffer.getvalue()) == EXPECTED


def test_chromium_password_protected_pdf_is_refused(report_pdf):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(report_pdf)))
    writer.encrypt(user_password="open-secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UserError, match="打开密码"):
        read_document_bytes("secret.pdf", buffer.getvalue())


def _png(width: int, height: int) -> bytes:
    """A grey gradient PNG written by hand: a scanned page has pixels, not text."""
    rows = b"".join(b"\0" + bytes((x * 255 // width + y) % 256 for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_chromium_image_only_scan_asks_for_ocr(tmp_path):
    image = base64.b64encode(_png(400, 560)).decode()
    html = f'<!doctype html><html><body style="margin:0"><img src="data:image/png;base64,{image}" width="700"></body></html>'
    scan = print_with_chromium(html, tmp_path)
    with pytest.raises(UserError, match="扫描件.*OCR"):
        read_document_bytes("scan.pdf", scan)


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A minimal PDF with a correct xref table around the given object bodies (object 1 = catalog)."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _one_page_pdf(declared_pages: int = 1, page_extra: bytes = b"") -> bytes:
    stream = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"
    return _raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % declared_pages,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R " + page_extra + b">>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        ]
    )


def _form_pdf(form_resources: bytes) -> bytes:
    """A page that only draws a form XObject (object 5) with the given resources: no text, no image."""
    draw = b"/X1 Do"
    return _raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /X1 5 0 R >> >>"
            b" /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream",
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources "
            + form_resources
            + b" /Length %d >>\nstream\n" % len(draw)
            + draw
            + b"\nendstream",
        ]
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("self-drawing.pdf", _form_pdf(b"<< /XObject << /X1 5 0 R >> >>"), "循环引用"),
        ("form-only.pdf", _form_pdf(b"<< >>"), "没有可提取的文字"),  # a drawing, not a scan
        ("pages.pdf", _one_page_pdf(declared_pages=1_000_000_000), "1000000000 页，超过 300 页"),
        ("arrays.pdf", _one_page_pdf(page_extra=b"/Deep " + b"[" * 200_000 + b"]" * 200_000), "无法解析"),
        (
            "dicts.pdf",
            _one_page_pdf(page_extra=b"/Deep " + b"<< /A " * 100_000 + b">>" * 100_000),
            "无法解析",
        ),
        ("garbage.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 64, "无法解析"),
        ("renamed.pdf", "这其实是一个文本文件".encode() * 20, "不是有效的 PDF"),
        ("empty-page.pdf", _one_page_pdf(), "没有可提取的文字"),
    ],
)
def test_hostile_and_broken_pdfs_get_a_chinese_message(name, data, message):
    with pytest.raises(UserError, match=message):
        read_document_bytes(name, data)


def test_chromium_truncated_pdf_is_refused(report_pdf):
    with pytest.raises(UserError, match="无法解析"):
        read_document_bytes("truncated.pdf", report_pdf[: len(report_pdf) // 4])


def test_worker_killed_for_time_or_memory_gets_a_message(monkeypatch):
    data = _one_page_pdf()
    monkeypatch.setattr(pdf, "LIMITS", replace(pdf.LIMITS, wall_seconds=0.05))
    with pytest.raises(UserError, match="处理超时"):
        read_document_bytes("slow.pdf", data)
    monkeypatch.setattr(pdf, "LIMITS", replace(pdf.LIMITS, wall_seconds=30, memory_bytes=40 * 1024 * 1024))
    with pytest.raises(UserError, match="内存过多"):
        read_document_bytes("greedy.pdf", data)


def test_page_numbers_and_running_lines_are_dropped_from_page_edges():
    pages = [
        "工会内部资料\n第 1 页\n一、加强民主管理\n正文第一段",
        "工会内部资料\n正文第二段\n52\n- 2 -",
        "工会内部资料\n正文第三段\n3/10",
        "工会内部资料\n正文第四段，完\nPage 4 of 10",
    ]
    assert page_lines(pages) == [
        "一、加强民主管理",
        "正文第一段",
        "正文第二段",
        "正文第三段",
        "正文第四段，完",
    ]
