"""The daily report (kiosk.core.day_report.DayReport) as files:

- **PDF** (fpdf2): the summary, charts drawn with matplotlib's Agg backend (sales by
  hour, by category, payment mix, top 10 products, last 30 days) and every table
  except the full stock list (too long to print: it is in the XLSX and CSV);
- **XLSX** (xlsxwriter): one sheet per table, money and quantities as real numbers
  (major units / the product's unit) and dates as real dates. Written in
  constant-memory mode with column formats; tables longer than FAST_ROWS (the
  100,000-product stock sheet) have their rows spliced in as sheet XML, ~10x faster;
- **CSV** (one file per table, machine-readable: dot decimals, ISO dates) in a zip.

Each file is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from kiosk.core.day_report import NO_SALES, SUMMARY_LINES, Cell, DayReport, Table
from kiosk.core.payments import METHOD_LABELS
from kiosk.core.units import FACTOR, Uom
from kiosk.i18n import N_, format_money, translate
from kiosk.services.invoice_pdf import latin1

TOP_PRODUCTS = 10


def base_name(rep: DayReport) -> str:
    if rep.first == rep.last:
        return f"{rep.file_prefix}-{rep.first.isoformat()}"
    return f"{rep.file_prefix}-{rep.first.isoformat()}_{rep.last.isoformat()}"


def write_report(rep: DayReport, folder: Path, formats: Sequence[str],
                 progress: Callable[[int, str], None] | None = None) -> list[Path]:
    step = progress or (lambda _p, _w: None)
    writers = {"xlsx": (write_xlsx, ".xlsx"), "csv": (write_csv_zip, ".csv.zip"), "pdf": (write_pdf, ".pdf")}
    out = []
    for i, fmt in enumerate(formats):
        write, ext = writers[fmt]
        step(70 + 30 * i // max(len(formats), 1), fmt)
        path = folder / (base_name(rep) + ext)
        part = path.with_name(path.name + ".part")
        try:
            write(rep, part)
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
        out.append(path)
    return out


def _major(minor: int, decimals: int) -> Decimal:
    return Decimal(minor).scaleb(-decimals)


def _qty(base: int, uom: str) -> Decimal:
    return Decimal(base) / FACTOR[Uom(uom)]


def _plain(quantity: Decimal) -> str:
    """1000 as "1000", 1.500 as "1.5": without trailing zeros and never "1E+3"."""
    return format(quantity.normalize(), "f")


def _rate(bp: int) -> str:
    whole, frac = divmod(bp, 100)
    return f"{whole}%" if not frac else f"{whole}.{frac:02d}%"


def _label(table: Table, key: str, value: object) -> object:
    if table.key in ("sales_by_payment", "payments_by_till") and key == "method" and value in METHOD_LABELS:
        return translate(METHOD_LABELS[value])  # type: ignore[index]
    return value


def _summary_rows(rep: DayReport) -> list[tuple[str, Cell, int]]:
    # a shop's report across tills has no stock value (each till's own report has its stock)
    return [(translate(label), kind, rep.summary[key]) for key, label, kind in SUMMARY_LINES if key in rep.summary]


# --- XLSX ----------------------------------------------------------------------------------

def write_xlsx(rep: DayReport, path: Path) -> None:
    import xlsxwriter

    dec = rep.decimals
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "default_date_format": "yyyy-mm-dd",
                                         "strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": "#,##0" + ("." + "0" * dec if dec else "")})
    qty = wb.add_format({"num_format": "#,##0.###"})
    when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    sheet = wb.add_worksheet(_sheet(translate(N_("Summary"))))
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 16, money)
    sheet.write_row(0, 0, [rep.shop, rep.title_dates], bold)
    row = 2
    if rep.empty:
        sheet.write(1, 0, translate(NO_SALES))
    for label, kind, value in _summary_rows(rep):
        sheet.write_string(row, 0, label)
        if kind is Cell.MONEY:
            sheet.write_number(row, 1, float(_major(value, dec)), money)
        else:
            sheet.write_number(row, 1, value)
        row += 1
    big: list[tuple[str, Table, list]] = []
    for table in rep.tables.values():
        ws = wb.add_worksheet(_sheet(translate(table.title)))
        col_fmt = {Cell.MONEY: money, Cell.QUANTITY: qty, Cell.DATETIME: when, Cell.DATE: day}
        fmts = [col_fmt.get(col.kind) for col in table.columns]
        for i, col in enumerate(table.columns):
            ws.set_column(i, i, 14 if col.kind is not Cell.TEXT else 24, fmts[i])
        ws.write_row(0, 0, [translate(c.title) for c in table.columns], bold)
        rows = _xlsx_rows(table, dec)
        if len(table.rows) > FAST_ROWS and not any(c.kind in (Cell.DATE, Cell.DATETIME) for c in table.columns):
            # xlsxwriter writes the header and the last row (so the sheet's dimension is
            # right); the rows between are spliced in as XML after it closes (_splice).
            ws.write_row(len(table.rows), 0, _xlsx_last(table, dec))
            big.append((f"xl/worksheets/sheet{len(wb.worksheets())}.xml", table,
                        [f._get_xf_index() if f is not None else None for f in fmts]))
            continue
        for r, out in enumerate(rows, start=1):
            ws.write_row(r, 0, out)
    if not big:
        wb.close()
        return
    base = path.with_name(path.name + ".base")
    wb.filename = str(base)
    try:
        wb.close()
        _splice(base, path, big, dec)
    finally:
        base.unlink(missing_ok=True)


# Tables longer than this have their rows written as sheet XML directly: through
# xlsxwriter each cell costs ~10 us (100,000 products x 7 cells: 7 s and more on a Pi).
FAST_ROWS = 2000


def _xlsx_rows(table: Table, dec: int):  # noqa: ANN202 - a generator of lists
    """The table's rows as spreadsheet values: money in major units and quantities in
    the row's unit (doubles, as every spreadsheet number is), rates in percent."""
    kinds = [c.kind for c in table.columns]
    uom_at = next((i for i, c in enumerate(table.columns) if c.key == "uom"), None)
    money_at = [i for i, k in enumerate(kinds) if k is Cell.MONEY]
    qty_at = [i for i, k in enumerate(kinds) if k is Cell.QUANTITY]
    rate_at = [i for i, k in enumerate(kinds) if k is Cell.RATE]
    scale = 10 ** dec
    factors = {u.value: float(f) for u, f in FACTOR.items()}
    payment = table.key == "sales_by_payment"
    for values in table.rows:
        out = list(values)
        for i in money_at:
            out[i] = out[i] / scale
        if qty_at:
            factor = factors[out[uom_at]] if uom_at is not None else 1.0
            for i in qty_at:
                out[i] = out[i] / factor
        for i in rate_at:
            out[i] = out[i] / 100
        if payment:
            out[0] = _label(table, "method", out[0])
        yield out


def _xlsx_last(table: Table, dec: int) -> list:
    last = Table(table.key, table.title, table.section, table.columns, [table.rows[-1]])
    return next(_xlsx_rows(last, dec))


_XML_SPECIAL = re.compile(r'[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_|^\s|\s$')
_CONTROL_ESCAPED = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_XML_CHARS = re.compile(r"[&<>\x00-\x08\x0b-\x1f]")


def _inline_text(text_: str) -> str:
    """The <is> part of an inline string cell exactly as xlsxwriter writes it in
    constant-memory mode (control characters as _xHHHH_, XML escapes, kept edge spaces)."""
    if not _XML_SPECIAL.search(text_):
        return f"<is><t>{text_}</t></is>"
    text_ = _CONTROL_ESCAPED.sub(r"_x005F\1", text_)
    text_ = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text_)
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(text_) else ""
    text_ = text_.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<is><t{space}>{text_}</t></is>"


def _sheet_rows(table: Table, xf: list[int | None], dec: int):  # noqa: ANN202 - a generator of str
    """<row> elements for the data rows but the last (spreadsheet rows 2..n)."""
    from xlsxwriter.utility import xl_col_to_name

    cols = [(i, xl_col_to_name(i), "" if x is None else f' s="{x}"') for i, x in enumerate(xf)]
    texts: dict[str, str] = {}  # the repeated ones (unit, category) are escaped once

    def text_of(v: str) -> str:
        t = texts.get(v)
        if t is None:
            t = _inline_text(v)
            if len(texts) < 4096:
                texts[v] = t
        return t

    # A row with the cell types of the first row and texts that are not empty and need
    # no escape (no edge spaces, no XML or control characters, no "_x") is one format()
    # call; any other row is written cell by cell.
    first = table.rows[0] if table.rows else ()
    shape = [v.__class__ for v in next(_xlsx_rows(Table(table.key, table.title, table.section, table.columns,
                                                        [first]), dec), [])] if first else []
    str_at = [i for i, c in enumerate(shape) if c is str]
    template = None
    if shape and all(c in (str, int, float) for c in shape):
        template = '<row r="{0}">' + "".join(
            f'<c r="{letter}{{0}}"{s_attr} t="inlineStr"><is><t>{{{i + 1}}}</t></is></c>' if shape[i] is str
            else f'<c r="{letter}{{0}}"{s_attr}><v>{{{i + 1}:.16G}}</v></c>' for i, letter, s_attr in cols) + "</row>"
    special = _XML_CHARS.search
    strip = str.strip
    n = len(table.rows)
    for r, out in enumerate(_xlsx_rows(table, dec), start=2):
        if r > n:
            break
        if template is not None and list(map(type, out)) == shape:
            strs = [out[i] for i in str_at]
            joined = "|".join(strs)
            if all(strs) and list(map(strip, strs)) == strs and not special(joined) and "_x" not in joined:
                yield template.format(r, *out)
                continue
        parts = [f'<row r="{r}">']
        for i, letter, s_attr in cols:
            v = out[i]
            cls = v.__class__
            if cls is str:
                if v:  # "" is a blank without a format: xlsxwriter writes no cell
                    parts.append(f'<c r="{letter}{r}"{s_attr} t="inlineStr">{text_of(v)}</c>')
            elif cls is float or cls is int:
                parts.append(f'<c r="{letter}{r}"{s_attr}><v>{v:.16G}</v></c>')
            elif cls is bool:
                parts.append(f'<c r="{letter}{r}"{s_attr} t="b"><v>{int(v)}</v></c>')
            elif v is not None:
                parts.append(f'<c r="{letter}{r}"{s_attr}><v>{float(v):.16G}</v></c>')
        parts.append("</row>")
        yield "".join(parts)


def _splice(base: Path, path: Path, big: list[tuple[str, Table, list]], dec: int) -> None:
    """Copy the workbook ``base`` to ``path`` with each big table's rows put in before
    its last row (the only data row xlsxwriter wrote)."""
    by_name = {name: (table, xf) for name, table, xf in big}
    # Level 1 for the big sheet: a third of the time of the default level for a few
    # percent more bytes.
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED,
                                                       compresslevel=1) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename not in by_name:
                dst.writestr(info, data)
                continue
            table, xf = by_name[info.filename]
            xml = data.decode("utf-8")
            at = xml.index(f'<row r="{len(table.rows) + 1}"')
            with dst.open(info.filename, "w", force_zip64=True) as out:
                out.write(xml[:at].encode("utf-8"))
                chunk: list[str] = []
                for row in _sheet_rows(table, xf, dec):
                    chunk.append(row)
                    if len(chunk) >= 2000:
                        out.write("".join(chunk).encode("utf-8"))
                        chunk.clear()
                out.write("".join(chunk).encode("utf-8"))
                out.write(xml[at:].encode("utf-8"))


def _sheet(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name[:31]


# --- CSV -----------------------------------------------------------------------------------

def _fixed(minor: int, places: int) -> str:
    """str(_major(minor, places)) in integer arithmetic: 12345, 2 -> "123.45"."""
    if not places:
        return str(minor)
    whole, frac = divmod(abs(minor), 10 ** places)
    return f"{'-' if minor < 0 else ''}{whole}.{frac:0{places}d}"


_WHOLE_FACTORS = {u.value: int(f) for u, f in FACTOR.items() if f == f.to_integral_value()}


def _qty_text(base: int, uom: str) -> str:
    """_plain(_qty(base, uom)) in integer arithmetic when the unit's factor is whole
    (100,000 stock rows in the CSV)."""
    f = _WHOLE_FACTORS.get(uom)
    if f is None:
        return _plain(_qty(base, uom))
    whole, frac = divmod(abs(base), f)
    sign = "-" if base < 0 else ""
    if not frac:
        return f"{sign}{whole}"
    width = len(str(f)) - 1
    return f"{sign}{whole}.{frac:0{width}d}".rstrip("0")


def _csv_value(kind: Cell, value: object, uom: str | None, dec: int) -> str:
    if value is None:
        return ""
    if kind is Cell.MONEY:
        return _fixed(int(value), dec)
    if kind is Cell.QUANTITY:
        return _qty_text(int(value), uom) if uom else str(value)
    if kind is Cell.RATE:
        return _fixed(int(value), 2)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_csv_zip(rep: DayReport, path: Path) -> None:
    dec = rep.decimals
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["key", "value"])
        for key, _label_, kind in SUMMARY_LINES:
            if key in rep.summary:
                w.writerow([key, _csv_value(kind, rep.summary[key], None, dec)])
        zf.writestr("summary.csv", buf.getvalue())
        for table in rep.tables.values():
            buf = io.StringIO()
            w = csv.writer(buf)
            w.writerow([c.key for c in table.columns])
            uom_at = next((i for i, c in enumerate(table.columns) if c.key == "uom"), None)
            for values in table.rows:
                uom = values[uom_at] if uom_at is not None else None
                w.writerow([_csv_value(c.kind, v, uom, dec) for c, v in zip(table.columns, values)])
            zf.writestr(f"{table.key}.csv", buf.getvalue())


# --- PDF -----------------------------------------------------------------------------------

def _charts(rep: DayReport) -> list[tuple[str, bytes]]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    dec = rep.decimals
    scale = 10 ** dec

    def png(fig: Figure) -> bytes:
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=100)  # no "tight" box: that draws everything twice
        return out.getvalue()

    charts = []
    t = rep.tables
    hours = t["sales_by_hour"].rows
    if hours:
        fig = Figure(figsize=(6.4, 2.4))
        ax = fig.subplots()
        ax.bar([h for h, _c, _t in hours], [v / scale for _h, _c, v in hours], color="#1565C0")
        ax.set_xlabel(translate(N_("Hour")))
        ax.set_xticks(range(0, 24, 2))
        fig.subplots_adjust(bottom=0.2)
        charts.append((translate(N_("Sales by hour")), png(fig)))
    cats = t["sales_by_category"].rows[:8]
    if cats:
        fig = Figure(figsize=(6.4, 2.4))
        ax = fig.subplots()
        ax.barh([c[:24] for c, _n, _v in cats][::-1], [v / scale for _c, _n, v in cats][::-1], color="#2E7D32")
        fig.subplots_adjust(left=0.3)
        charts.append((translate(N_("Sales by category")), png(fig)))
    pay = t["sales_by_payment"].rows
    if pay:
        fig = Figure(figsize=(3.6, 2.4))
        ax = fig.subplots()
        ax.pie([a for _m, _c, a in pay], labels=[str(_label(t["sales_by_payment"], "method", m)) for m, _c, _a in pay],
               autopct="%1.0f%%")
        charts.append((translate(N_("Payment mix")), png(fig)))
    top = t["sales_by_product"].rows[:TOP_PRODUCTS]
    if top:
        fig = Figure(figsize=(6.4, 2.8))
        ax = fig.subplots()
        ax.barh([n[:28] for _s, n, _u, _q, _t in top][::-1], [v / scale for *_x, v in top][::-1], color="#6A1B9A")
        fig.subplots_adjust(left=0.35)
        charts.append((translate(N_("Top 10 products")), png(fig)))
    trend = t["last_30_days"].rows
    if any(v for _d, v in trend):
        fig = Figure(figsize=(6.4, 2.2))
        ax = fig.subplots()
        ax.plot([d for d, _v in trend], [v / scale for _d, v in trend], marker="o", color="#EF6C00")
        fig.autofmt_xdate()
        fig.subplots_adjust(bottom=0.25)
        charts.append((translate(N_("Last 30 days")), png(fig)))
    return charts


def _pdf_cell(kind: Cell, value: object, uom: str | None) -> str:
    if value is None:
        return ""
    if kind is Cell.MONEY:
        return format_money(int(value))
    if kind is Cell.QUANTITY:
        return _plain(_qty(int(value), uom or "unit")) + (f" {uom}" if uom and uom != "unit" else "")
    if kind is Cell.RATE:
        return _rate(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_pdf(rep: DayReport, path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.set_margins(12, 12, 12)
    pdf.add_page()
    width = pdf.w - 24
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(width, 8, latin1(f"{rep.shop} - {translate(N_('Daily report'))} {rep.title_dates}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    pdf.cell(width, 5, latin1(translate(N_("Made {when}")).format(when=rep.generated_at.strftime("%Y-%m-%d %H:%M"))),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if rep.empty:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(width, 7, latin1(translate(NO_SALES)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for label, kind, value in _summary_rows(rep):
        pdf.cell(width * 0.6, 6, latin1(label))
        pdf.cell(width * 0.4, 6, latin1(format_money(value) if kind is Cell.MONEY else str(value)), align="R",
                 new_x="LMARGIN", new_y="NEXT")
    for title, data in _charts(rep):
        if pdf.get_y() > pdf.h - 80:
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(width, 6, latin1(title), new_x="LMARGIN", new_y="NEXT")
        pdf.image(io.BytesIO(data), w=min(width, 150))
    for table in rep.tables.values():
        if not table.pdf:
            continue
        pdf.ln(3)
        if pdf.get_y() > pdf.h - 40:
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 11)
        title = translate(table.title)
        if table.pdf_rows is not None and len(table.rows) > table.pdf_rows:
            title += " " + translate(N_("(first {n} of {total}: all in the XLSX and CSV)")).format(
                n=table.pdf_rows, total=len(table.rows))
        pdf.cell(width, 6, latin1(title), new_x="LMARGIN", new_y="NEXT")
        if not table.rows:
            pdf.set_font("Helvetica", "", 9)
            pdf.cell(width, 5, "-", new_x="LMARGIN", new_y="NEXT")
            continue
        uom_at = next((i for i, c in enumerate(table.columns) if c.key == "uom"), None)
        shown = [i for i, c in enumerate(table.columns) if c.key != "uom"]
        col_w = width / len(shown)
        pdf.set_font("Helvetica", "B", 8)
        for i in shown:
            c = table.columns[i]
            pdf.cell(col_w, 5, latin1(translate(c.title))[:30], align="R" if c.kind is not Cell.TEXT else "L")
        pdf.ln()
        pdf.set_font("Helvetica", "", 8)
        rows = table.rows if table.pdf_rows is None else table.rows[:table.pdf_rows]
        for values in rows:
            uom = values[uom_at] if uom_at is not None else None
            for i in shown:
                c = table.columns[i]
                text_ = _pdf_cell(c.kind, _label(table, c.key, values[i]), uom)
                pdf.cell(col_w, 4.5, latin1(text_)[: max(int(col_w / 1.6), 6)],
                         align="R" if c.kind is not Cell.TEXT else "L")
            pdf.ln()
    pdf.ln(3)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(width, 4, latin1(translate(N_(
        "The stock of every product at the end of the day is in the XLSX and CSV files."))))
    pdf.output(str(path))
