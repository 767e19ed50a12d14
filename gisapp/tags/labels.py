"""Print-ready PDF sheets of asset labels: QR code, short code, municipality, type, footer.

A label hangs outdoors on a pole for ten years. The crew reads the short code at a glance and
scans the QR code with the phone's camera app; a resident scans it to report damage. So on
every label the QR code comes first: as large as the label's height allows, with the quiet
zone of 4 modules kept free, drawn as vector squares (crisp on any printer, no bitmap). The
text beside it is shrunk, wrapped or cut with an ellipsis to fit its column and never runs
into the code. Only reportlab's built-in Helvetica is used: no font files to ship, and every
PDF viewer and printer has it.

Layouts are named in a registry (``LAYOUTS`` for a chooser): common A4 label sheets, laid
out to the maker's geometry, and single labels for weatherproof label printers.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from itertools import groupby

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from gisapp.tags.qr import qr_matrix

REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
ELLIPSIS = "…"
LEADING = 1.18  # line pitch, in font sizes
CAP = 0.72  # Helvetica's cap height, in font sizes
DESCENT = 0.21  # how far g, p, y reach below the baseline, in font sizes
MIN_TEXT_PT = 4.5  # below this a printed line is no longer worth having
SHRINK = 0.75  # a line shrinks to this share of its size at most, then it is cut
MAX_CODE_PT = 28.0
READABLE_CODE_PT = 16.0  # caps over 4 mm tall: read from a step away, no need to split
GAP = 1.2 * mm  # between the blocks of text in the column


@dataclass(frozen=True)
class LabelSpec:
    """What one label shows: the URL in its QR code and the lines beside it."""

    url: str
    short_code: str
    municipality: str = ""
    type_label: str = ""
    footer: str = ""  # e.g. "Schaden melden? Code scannen"


@dataclass(frozen=True)
class Layout:
    """Where labels sit on a page; all lengths in millimetres, origin at the top left."""

    name: str
    description: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    margin_left: float = 0.0
    margin_top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    # kept free along the label's edges: labels shift by a millimetre or so on the sheet
    # and in the printer, which must not cut into the quiet zone or the text
    inset: float = 2.0
    text_pt: float = 7.0  # the small lines: municipality, type; the footer is a point less

    def __post_init__(self) -> None:
        right = self.margin_left + self.columns * self.label_width + (self.columns - 1) * self.gap_x
        bottom = self.margin_top + self.rows * self.label_height + (self.rows - 1) * self.gap_y
        if right > self.page_width + 0.01 or bottom > self.page_height + 0.01:
            raise ValueError(f"layout {self.name}: the labels do not fit on the page")
        if self.label_width < 1.5 * self.label_height:
            raise ValueError(f"layout {self.name}: the text needs a landscape label")

    @property
    def per_page(self) -> int:
        """How many labels one page holds."""
        return self.columns * self.rows

    def label_box(self, slot: int) -> tuple[float, float, float, float]:
        """Label ``slot`` on its page (row by row from the top left) as PDF x, y, width,
        height in millimetres from the bottom left of the page."""
        row, column = divmod(slot, self.columns)
        x = self.margin_left + column * (self.label_width + self.gap_x)
        top = self.margin_top + row * (self.label_height + self.gap_y)
        return x, self.page_height - top - self.label_height, self.label_width, self.label_height


# The makers' geometry. The 3 × 8 sheet has labels up to the paper's edge (0.5 mm at top and
# bottom), where many printers cannot print: a wider inset keeps code and text off that edge.
# (Zweckform's 70 × 36 mm sheet of 24, 3475, has 4.4 mm margins: it would be another entry.)
_REGISTRY = {layout.name: layout for layout in (
    Layout("a4-3x8", "A4, 3 × 8 labels of 70 × 37 mm, no gaps (Avery Zweckform 3474)",
           210, 297, 3, 8, 70, 37, margin_top=0.5, inset=2.5),
    Layout("a4-3x7", "A4, 3 × 7 labels of 63.5 × 38.1 mm (Avery L7160)",
           210, 297, 3, 7, 63.5, 38.1, margin_left=7.21, margin_top=15.15, gap_x=2.54),
    Layout("a4-2x7", "A4, 2 × 7 labels of 99.1 × 38.1 mm (Avery L7163)",
           210, 297, 2, 7, 99.1, 38.1, margin_left=4.65, margin_top=15.15, gap_x=2.5),
    Layout("single-50x30", "One label of 50 × 30 mm a page, for label printers",
           50, 30, 1, 1, 50, 30, inset=1.5, text_pt=6.0),
)}

#: Layout names with a description each, for choosing one.
LAYOUTS: dict[str, str] = {name: layout.description for name, layout in _REGISTRY.items()}


def get_layout(name: str) -> Layout:
    """The layout registered under ``name``; ValueError for an unknown one."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown label layout {name!r}; known: {', '.join(_REGISTRY)}") from None


def render_labels(specs: Iterable[LabelSpec], layout: str = "a4-3x8", *, skip: int = 0,
                  outline: bool = False) -> bytes:
    """A PDF of the labels, as many pages as they need.

    ``skip`` leaves that many labels of the first sheet empty (a sheet used before);
    ``outline`` draws the labels' edges, for a test print on plain paper.
    """
    sheet = get_layout(layout)
    specs = list(specs)
    if not specs:
        raise ValueError("no labels to render")
    if not 0 <= skip < sheet.per_page:
        raise ValueError(f"skip must be between 0 and {sheet.per_page - 1}")
    for spec in specs:
        if not spec.url or not spec.short_code:
            raise ValueError("every label needs a URL and a short code")
    out = BytesIO()
    # invariant: no time stamp or random ID, so the same labels give the same bytes
    canvas = Canvas(out, pagesize=(sheet.page_width * mm, sheet.page_height * mm),
                    invariant=True, pageCompression=1)
    canvas.setTitle(f"Labels ({sheet.description})")
    canvas.setCreator("gisapp")
    for index, spec in enumerate(specs, start=skip):
        slot = index % sheet.per_page
        if slot == 0 and index > 0:
            canvas.showPage()
        x, y, w, h = (v * mm for v in sheet.label_box(slot))
        if outline:
            canvas.setStrokeGray(0.75)
            canvas.setLineWidth(0.25)
            canvas.rect(x, y, w, h, stroke=1, fill=0)
        _draw_label(canvas, spec, sheet, x, y)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw_label(canvas: Canvas, spec: LabelSpec, sheet: Layout, x: float, y: float) -> None:
    """QR code on the left at full height, the text in the column to its right."""
    inset = sheet.inset * mm
    side = sheet.label_height * mm - 2 * inset  # the QR code with its quiet zone
    _draw_qr(canvas, qr_matrix(spec.url), x + inset, y + inset, side)
    left = x + inset + side + 0.5 * mm  # the quiet zone already separates text from code
    column = _Column(canvas, left, x + sheet.label_width * mm - inset,
                     y + inset, y + sheet.label_height * mm - inset)
    column.draw(spec, sheet.text_pt)


def _draw_qr(canvas: Canvas, matrix: Sequence[Sequence[bool]], x: float, y: float,
             side: float) -> None:
    """The modules as filled squares, runs of dark modules in a row as one rectangle, all
    in one path: no hairline seams between neighbours in viewers, few operators."""
    module = side / len(matrix)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + side - (r + 1) * module
        column = 0
        for dark, run in groupby(row):
            length = len(list(run))
            if dark:
                path.rect(x + column * module, top, length * module, module)
            column += length
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)


class _Column:
    """The text column of one label: municipality at the top, footer at the bottom, the
    short code as large as the rest leaves room for, the type label under it."""

    def __init__(self, canvas: Canvas, left: float, right: float, bottom: float, top: float):
        self.canvas, self.left, self.width = canvas, left, right - left
        self.bottom, self.top = bottom, top

    def draw(self, spec: LabelSpec, text_pt: float) -> None:
        head = _fit(_printable(spec.municipality), REGULAR, self.width, 2, text_pt)
        kind = _fit(_printable(spec.type_label), REGULAR, self.width, 1, text_pt)
        foot = _fit(_printable(spec.footer), REGULAR, self.width, 2, text_pt - 1)
        room = (self.top - self.bottom - _height(head) - _height(kind) - _height(foot)
                - GAP * sum(1 for block in (head, kind, foot) if block[1]))
        code = _fit_code(_printable(spec.short_code), self.width, room)
        self._lines(head, self.top)
        self._lines(foot, self.bottom + _height(foot))
        # short code and type label centred in the room between municipality and footer
        middle_top = self.top - _height(head) - (GAP if head[1] else 0)
        middle_bottom = self.bottom + _height(foot) + (GAP if foot[1] else 0)
        block = _height(code) + (GAP + _height(kind) if kind[1] else 0)
        code_top = middle_top - max(0.0, (middle_top - middle_bottom - block) / 2)
        self._lines(code, code_top, BOLD)
        self._lines(kind, code_top - _height(code) - GAP)

    def _lines(self, block: tuple[float, list[str]], top: float, font: str = REGULAR) -> None:
        size, lines = block
        self.canvas.setFont(font, size)
        baseline = top - CAP * size
        for line in lines:
            self.canvas.drawString(self.left, baseline, line)
            baseline -= LEADING * size


def _height(block: tuple[float, list[str]]) -> float:
    """From the cap height of the first line to the descenders of the last."""
    size, lines = block
    if not lines:
        return 0.0
    return (CAP + DESCENT + LEADING * (len(lines) - 1)) * size


def _fit_code(code: str, width: float, room: float) -> tuple[float, list[str]]:
    """The short code as large as fits; on two lines, prefix and number, when one line
    would be small and two are clearly larger (DEMO-SL- / 0142-2), as on narrow labels."""
    options = [[code]]
    parts = code.split("-")
    if len(parts) > 1 and all(parts):
        # the number starts at the first part after the prefix that starts with a digit
        cut = next((i for i, part in enumerate(parts) if i and part[0].isdigit()), len(parts) - 1)
        options.append(["-".join(parts[:cut]) + "-", "-".join(parts[cut:])])
    best: tuple[float, list[str]] | None = None
    for lines in options:
        widest = max(stringWidth(line, BOLD, 1) for line in lines)
        tall = CAP + DESCENT + LEADING * (len(lines) - 1)
        size = min(MAX_CODE_PT, width / widest, max(room, 0.0) / tall)
        if best is None or (best[0] < READABLE_CODE_PT and size > 1.25 * best[0]):
            best = (size, lines)
    if best[0] >= MIN_TEXT_PT:
        return best
    return _fit(code, BOLD, width, 1, MIN_TEXT_PT)


def _fit(text: str, font: str, width: float, max_lines: int,
         size: float) -> tuple[float, list[str]]:
    """The text in at most ``max_lines`` lines of ``width``: at ``size`` if it fits, else
    somewhat smaller, else cut with an ellipsis (a readable start beats a tiny whole)."""
    if not text:
        return size, []
    smallest = max(MIN_TEXT_PT, SHRINK * size)
    while True:
        lines = _wrap(text, font, size, width)
        if len(lines) <= max_lines:
            return size, lines
        if size - 0.25 < smallest:
            lines = _wrap_greedy(text, font, size, width)  # fill the lines that are kept
            kept = lines[:max_lines]
            kept[-1] = _ellipsize(kept[-1] + " " + lines[max_lines], font, size, width)
            return size, kept
        size -= 0.25


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Word wrap into as few lines as greedy wrapping needs, but balanced: the narrowest
    width that still gives that many lines ("Schaden melden? / Code scannen", not
    "Schaden melden? Code / scannen")."""
    lines = _wrap_greedy(text, font, size, width)
    if len(lines) < 2:
        return lines
    narrow, wide = 0.0, width
    for _ in range(12):  # bisection to a fraction of a point
        middle = (narrow + wide) / 2
        if len(_wrap_greedy(text, font, size, middle)) == len(lines):
            wide = middle
        else:
            narrow = middle
    return _wrap_greedy(text, font, size, wide)


def _wrap_greedy(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken where it must be."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while stringWidth(word, font, size) > width and len(word) > 1:
            cut = max(1, _fits(word, font, size, width))
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    return lines + [line] if line else lines


def _fits(text: str, font: str, size: float, width: float) -> int:
    """How many leading characters of ``text`` fit in ``width``."""
    count = 0
    while count < len(text) and stringWidth(text[:count + 1], font, size) <= width:
        count += 1
    return count


def _ellipsize(text: str, font: str, size: float, width: float) -> str:
    """The longest start of ``text`` that fits in ``width`` with an ellipsis after it."""
    room = width - stringWidth(ELLIPSIS, font, size)
    return text[:_fits(text, font, size, room)].rstrip() + ELLIPSIS


# letters without a decomposition that Helvetica's WinAnsi encoding lacks
_PLAIN = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H", "ı": "i"})


def _printable(text: str) -> str:
    """The text with what built-in Helvetica cannot draw (WinAnsi: cp1252) replaced: accents
    that it lacks dropped (ő -> o), other characters as '?', never a black box on a label."""
    out = []
    for char in " ".join(text.translate(_PLAIN).split()):
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252")
            out.append(base or "?")
    return "".join(out)
