"""HTML pieces of the review page: highlighted text, records tables, standard tables, pages.

Every string that comes from a report (its text, file name, title, metric names, check names)
goes through :func:`esc` before it reaches the page, and every attribute value is quoted, so
a report holding ``<script>`` or ``<img onerror=…>`` shows as text. The page's only script is
the constant :data:`SCRIPT`; the Content-Security-Policy (:func:`csp`) allows that script by its
hash and nothing else: no network, no other script, no images, no frames.

>>> spans = [ViewSpan(0, 2, "METRIC", 0.99, ("r1",)), ViewSpan(2, 5, "VALUE", 0.6, ("r1",))]
>>> highlight("办结<b>件", spans, 0, 6, low=0.8)   # doctest: +ELLIPSIS
'<mark class="ent METRIC linked" ...>办结</mark><mark class="ent VALUE low linked" ...>&lt;b&gt;</mark>件'
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

__all__ = ["ViewSpan", "esc", "csp", "highlight", "records_table", "standard_tables", "page", "SCRIPT", "CSS",
           "LOW_CONFIDENCE"]

# A span whose confidence is below this is marked "low" (dashed border, "?" badge). 0.8 is
# where pseudo-labelling starts to trust a span less than 0.9 keeps: a reviewer's first look.
LOW_CONFIDENCE = 0.8


def esc(value: Any) -> str:
    """Text or attribute content, escaped (``&``, ``<``, ``>``, both quotes).

    >>> esc('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape("" if value is None else str(value), quote=True)


@dataclass(frozen=True)
class ViewSpan:
    """A span to highlight: offsets into the document, type, confidence (or None), record ids."""

    start: int
    end: int
    label: str
    score: float | None = None
    records: tuple[str, ...] = ()


# displaCy's palette for three types: METRIC like its ORG, VALUE like CARDINAL, UNIT like QUANTITY.
CSS = """
body{font:15px/1.6 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#222;background:#fff}
nav{position:fixed;top:0;left:0;bottom:0;width:15rem;overflow:auto;background:#f4f4f6;padding:.8rem;
 border-right:1px solid #ddd;font-size:13px}
nav ol{padding-left:1.2rem}
main{margin-left:17rem;margin-right:19rem;padding:1rem 1.5rem}
#panel{position:fixed;top:0;right:0;width:17rem;padding:.8rem;background:#fffbe8;border-left:1px solid #ddd;
 bottom:0;white-space:pre-line;font-size:13px;overflow:auto}
.text{white-space:pre-wrap;line-height:2.1}.gap{display:block;height:.5em}
mark.ent{padding:.1em .25em;border-radius:.35em;color:#222;border:1px solid transparent}
mark.ent::after{content:attr(data-l);font-size:.6em;font-weight:bold;margin-left:.2em;opacity:.7;vertical-align:.3em}
mark.METRIC{background:#7aecec}mark.VALUE{background:#e4e7d2}mark.UNIT{background:#feca74}
mark.low{border:2px dashed #c0392b}mark.low::after{content:attr(data-l) "?";color:#c0392b}
mark.linked{text-decoration:underline 2px #555;text-underline-offset:.3em}
mark.on,tr.on{outline:3px solid #e67e22}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:13px}
th,td{border:1px solid #ccc;padding:.15rem .45rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right}tr.low td{background:#fdecea}
td.fail{background:#f8c9c4;font-weight:bold}.ok{color:#1e7e34}.bad{color:#c0392b;font-weight:bold}
section.report{border-top:3px solid #888;margin-top:1.5rem}
.outside{color:#777}.meta{color:#555;font-size:13px}.legend mark{margin-right:.4rem}
"""

# Hover (or focus) a span or a records row: outline everything of its records and show them in
# the side panel. Text goes in through textContent only, never as markup.
SCRIPT = (
    "(function(){var p=document.getElementById('panel');"
    "function on(e){var t=e.target.closest&&e.target.closest('[data-rec]');if(!t)return;"
    "document.querySelectorAll('.on').forEach(function(x){x.classList.remove('on')});"
    "var lines=[];t.getAttribute('data-rec').split(' ').forEach(function(i){if(!/^r[0-9]+$/.test(i))return;"
    "document.querySelectorAll('[data-rec~=\"'+i+'\"]').forEach(function(x){x.classList.add('on')});"
    "var r=document.getElementById('row-'+i);if(r)lines.push(r.getAttribute('data-summary'))});"
    "if(p&&lines.length)p.textContent=lines.join('\\n\\n')}"
    "document.addEventListener('mouseover',on);document.addEventListener('focusin',on);"
    # page.html#r12 opens on record 12: outlined, in the panel, its text scrolled into view.
    "var h=location.hash.slice(1);if(/^r[0-9]+$/.test(h)){var m=document.querySelector('mark[data-rec~=\"'+h+'\"]');"
    "if(m){on({target:m});var b=m.getBoundingClientRect();"
    "if(b.top<0||b.bottom>innerHeight)m.scrollIntoView({block:'center'})}}})();"
)


def _script_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def csp(script: str | None = SCRIPT, images: bool = False) -> str:
    """The Content-Security-Policy of a page: inline styles, ``script`` by hash, nothing else.

    >>> csp(None)
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    """
    parts = ["default-src 'none'", "style-src 'unsafe-inline'"]
    if script:
        parts.append(f"script-src '{_script_hash(script)}'")
    if images:
        parts.append("img-src data:")
    parts += ["base-uri 'none'", "form-action 'none'"]
    return "; ".join(parts)


def _fmt_score(score: float | None) -> str:
    return "–" if score is None else f"{score:.2f}"


_BLANK_LINES = re.compile(r"\n[ \t\u3000\r]*\n(?:[ \t\u3000\r]*\n)*")


def _plain(text: str) -> str:
    # Blank lines show as a small gap, not two full lines: whole reports stay readable.
    return _BLANK_LINES.sub('\n<span class="gap"></span>', esc(text))


def highlight(text: str, spans: Sequence[ViewSpan], start: int, end: int, low: float = LOW_CONFIDENCE) -> str:
    """``text[start:end]`` as HTML with each span inside it as a ``<mark>`` (offsets index ``text``).

    Spans are sorted; one that overlaps an earlier one, or runs past ``end``, is cut to fit, so
    a malformed input still shows every character exactly once.
    """
    out, pos = [], start
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        s, e = max(span.start, pos), min(span.end, end)
        if e <= s:
            continue
        out.append(_plain(text[pos:s]))
        classes = ["ent", span.label]
        if span.score is not None and span.score < low:
            classes.append("low")
        if span.records:
            classes.append("linked")
        title = f"{span.label} · confidence {_fmt_score(span.score)}"
        rec = f' data-rec="{esc(" ".join(span.records))}" tabindex="0"' if span.records else ""
        out.append(f'<mark class="{esc(" ".join(classes))}" data-l="{esc(span.label[0])}" '
                   f'title="{esc(title)}"{rec}>{esc(text[s:e])}</mark>')
        pos = e
    out.append(_plain(text[pos:end]))
    return "".join(out)


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return esc(value)


def record_summary(record: dict[str, Any], confidence: float | None) -> str:
    """The record as the side panel shows it, one field a line (plain text)."""
    lines = [f"metric: {record.get('metric') or '—'}", f"value: {record.get('value')}",
             f"unit: {record.get('unit') or '—'}", f"qualifier: {record.get('qualifier') or '—'}",
             f"raw: {record.get('raw') or ''}", f"confidence: {_fmt_score(confidence)}"]
    for key in ("metric_key", "column", "section", "origin"):
        if record.get(key) not in (None, ""):
            lines.append(f"{key}: {record[key]}")
    return "\n".join(lines)


def records_table(rows: Iterable[tuple[str, dict[str, Any], float | None]], low: float = LOW_CONFIDENCE) -> str:
    """A table of ``(record id, record dict, confidence)``; low-confidence rows are marked."""
    rows = list(rows)
    if not rows:
        return '<p class="meta">No records.</p>'
    extra = [k for k in ("origin", "section", "metric_key", "column") if any(r.get(k) for _, r, _ in rows)]
    head = ["#", "metric", "value", "unit", "qualifier", "raw", "confidence"] + extra
    out = ["<table class=\"records\"><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    for n, (rid, record, conf) in enumerate(rows, 1):
        value = record.get("value")
        if record.get("value_min") is not None and record.get("value_max") is not None:
            value = f"{_num(record['value_min'])}–{_num(record['value_max'])}"
        else:
            value = _num(value)
        cells = [str(n), esc(record.get("metric") or "—"), value, esc(record.get("unit") or ""),
                 esc(record.get("qualifier") or ""), esc(record.get("raw") or ""), esc(_fmt_score(conf))]
        cells += [esc(record.get(k) or "") for k in extra]
        cls = ' class="low"' if conf is not None and conf < low else ""
        out.append(f'<tr id="row-{esc(rid)}"{cls} data-rec="{esc(rid)}" tabindex="0" '
                   f'data-summary="{esc(record_summary(record, conf))}">'
                   + "".join((f'<td class="num">{c}</td>' if i == 2 else f"<td>{c}</td>") for i, c in enumerate(cells))
                   + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _check_name(check: dict[str, Any]) -> str:
    return str(check.get("identity") or check.get("id") or check.get("name") or check.get("check") or "check")


def _check_ok(check: dict[str, Any]) -> bool:
    for key in ("ok", "passed", "pass"):
        if key in check:
            return bool(check[key])
    return str(check.get("status", "ok")).lower() in ("ok", "pass", "passed")


def standard_tables(records: Sequence[dict[str, Any]], checks: Sequence[dict[str, Any]]) -> str:
    """Table records (``origin: "table"``) rebuilt as tables, one per first part of the
    ``metric_key`` (主动公开, 申请, 复议诉讼: tables 2, 3 and 4): rows are the printed row labels,
    columns the printed column labels. Cells named by a failing check are marked, and every
    check is listed with what it expected and found.
    """
    cells = [r for r in records if r.get("origin") == "table"]
    if not cells and not checks:
        return ""
    failing: dict[str, list[str]] = {}
    for check in checks:
        if not _check_ok(check):
            for key in check.get("keys") or ():
                failing.setdefault(str(key), []).append(_check_name(check))
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in cells:
        key = str(r.get("metric_key") or "")
        groups.setdefault(str(r.get("table") or key.split(".")[0] or "table"), []).append(r)
    out = ["<h3>Standard tables</h3>"]
    for name, group in groups.items():
        rows: dict[str, dict[str, dict[str, Any]]] = {}
        columns: list[str] = []
        for r in group:
            key = str(r.get("metric_key") or "")
            column = str(r.get("column") or "value")
            row = str(r.get("metric") or key.rsplit(".", 1)[0] or "—")
            if column not in columns:
                columns.append(column)
            rows.setdefault(row, {})[column] = r
        out.append(f"<table class=\"std\"><caption>{esc(name)}</caption><thead><tr><th></th>"
                   + "".join(f"<th>{esc(c)}</th>" for c in columns) + "</tr></thead><tbody>")
        for row, by_column in rows.items():
            tds = []
            for column in columns:
                r = by_column.get(column)
                if r is None:
                    tds.append("<td></td>")
                    continue
                names = failing.get(str(r.get("metric_key")), [])
                shown = r.get("raw") if r.get("raw") not in (None, "") else r.get("value")
                title = f"{r.get('metric_key') or ''}" + (f" · fails {', '.join(names)}" if names else "")
                cls = "num fail" if names else "num"
                tds.append(f'<td class="{cls}" title="{esc(title)}">{esc(shown)}</td>')
            out.append(f"<tr><th>{esc(row)}</th>{''.join(tds)}</tr>")
        out.append("</tbody></table>")
    if checks:
        out.append("<table class=\"checks\"><thead><tr><th>identity</th><th>result</th><th>keys</th>"
                   "<th>expected</th><th>found</th></tr></thead><tbody>")
        for check in checks:
            ok = _check_ok(check)
            result = '<span class="ok">ok</span>' if ok else '<span class="bad">FAILS</span>'
            keys = check.get("keys") or ()
            keys = ", ".join(map(str, keys)) if isinstance(keys, (list, tuple)) else keys
            out.append(f"<tr><td>{esc(_check_name(check))}</td><td>{result}</td><td>{esc(keys)}</td>"
                       f"<td>{esc(check.get('expected'))}</td><td>{esc(check.get('found'))}</td></tr>")
        out.append("</tbody></table>")
    return "\n".join(out)


def page(title: str, body: str, nav: str = "", panel: bool = True, script: str | None = SCRIPT,
         images: bool = False, css: str = CSS) -> str:
    """A complete, self-contained HTML document; ``body`` and ``nav`` are HTML already escaped."""
    aside = '<aside id="panel">Hover a highlighted value or a records row to see its record.</aside>' if panel else ""
    script_tag = f"<script>{script}</script>" if script else ""
    return (f'<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{esc(csp(script, images))}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{css}</style></head>\n"
            f"<body>{f'<nav>{nav}</nav>' if nav else ''}{aside}<main>{body}</main>{script_tag}</body></html>\n")
