"""Writes the demo knowledge base's `installation.pdf`: a one-page A4 PDF built by hand.

No PDF library is needed (none is a runtime dependency): the file is a handful of objects, a
text content stream in the standard Helvetica fonts and a cross-reference table whose byte
offsets are computed as the objects are written. Headings are printed with their Markdown `#`
marks, because ingestion takes a PDF's extracted text as Markdown.

Run: `python knowledge_base/demo/_make_pdf.py` (rewrites the file next to this script).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

TEXT = """\
# Installation guide: LED panels and downlights

Northwind Panels. Read this guide before installing. Installation must be done by a qualified
electrician with the power switched off at the circuit breaker.

## Tools and supply
You need a voltage tester, a screwdriver, a wire stripper and, for downlights, a hole saw of 150 mm
(Downlight Round 15) or 200 mm (Downlight Round 25). Supply: 220-240 V AC, 50 Hz. Use cable of at
least 1.5 mm2. Put no more than 20 Panel Slim 60x60 or 15 Panel Pro 60x60 on one 10 A type C circuit
breaker, because of the drivers' inrush current.

## Grid ceilings (T-bar 24 mm)
Remove one ceiling tile, connect the driver to the mains with the push-in terminal (brown L, blue N,
green-yellow earth), plug the driver into the panel and drop the panel into the grid. It takes about
15 minutes per panel. No clips or screws are needed.

## Concrete ceilings
Fix the Surface Frame 60x60 with the 4 supplied screws and wall plugs (6 mm drill), lay the driver
inside the frame, connect, and slide the panel in from the open side. Close the side with the end cap.

## Suspended mounting
Fix the 2 ceiling anchors of the Suspension Kit 2 m at least 30 cm apart for a 60x60 panel and
120 cm apart for a Panel Slim 30x120 or a Linear Batten 150. Set the height before connecting.

## Downlights
Cut the hole, connect the driver, bend the two spring clips upwards and push the downlight into
the hole. Plasterboard must be 9 to 25 mm thick.

## Sensors and emergency kits
A Motion Sensor Click switches up to 10 panels; mount it at a height of 2.5 to 4 m. Connect the
Emergency Kit 3h between the driver and the panel; charge the battery for 24 hours before the first
test.

## Support
Questions: support@northwind-panels.example or +31 13 555 0142, Monday to Friday 08:30-17:30 CET.
"""

_PAGE_WIDTH, _PAGE_HEIGHT = 595, 842  # A4 in points
_MARGIN = 50


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def content_stream(text: str) -> bytes:
    """PDF drawing operators that print the text: headings bold, body wrapped to the page width."""
    ops = ["BT"]
    y = float(_PAGE_HEIGHT - _MARGIN)
    for paragraph in text.split("\n\n"):
        lines = paragraph.splitlines()
        headings = [line for line in lines if line.startswith("#")]
        body = " ".join(line for line in lines if not line.startswith("#"))
        blocks = [(h, "F2", 14.0 if h.startswith("# ") else 12.0) for h in headings]
        blocks += [(wrapped, "F1", 9.5) for wrapped in textwrap.wrap(body, 100)]
        for line, font, size in blocks:
            y -= size + 4
            ops.append(f"/{font} {size} Tf 1 0 0 1 {_MARGIN} {y:.1f} Tm ({_escape(line)}) Tj")
        y -= 6
    ops.append("ET")
    if y < _MARGIN:
        raise ValueError("the text does not fit on one page")
    return "\n".join(ops).encode("ascii")


def build_pdf(text: str) -> bytes:
    """A complete one-page PDF 1.4 file with a correct cross-reference table."""
    stream = content_stream(text)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE_WIDTH} {_PAGE_HEIGHT}] "
         "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>").encode("ascii"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # binary comment: marks the file as binary
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    # Every xref entry is exactly 20 bytes, its end of line included.
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def main() -> None:
    target = Path(__file__).with_name("installation.pdf")
    target.write_bytes(build_pdf(TEXT))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
