"""The evaluation report as one self-contained HTML page, with matplotlib plots embedded as PNG.

    govreport evaluate --gold data/gold/dev.jsonl --model fast --html out/eval.html --run model/fast
    govreport evaluate --compare a.json b.json --html out/compare.html

Plots (PNG, embedded as ``data:`` URIs): F1 per type with its 95% bootstrap interval, the
training curves of a run (loss and evaluation F1 per step), and the reliability diagram of span
confidences. Tables: scores with intervals, errors by kind, the confusion of span types, and
the worst texts with gold and prediction side by side. Nothing is fetched; the page runs no
script, and its Content-Security-Policy allows only inline styles and ``data:`` images.
matplotlib is an optional extra: ``pip install 'govreport[report]'``.

>>> "matplotlib" in MISSING_MATPLOTLIB
True
"""

from __future__ import annotations

import base64
import io
from typing import Any, Sequence

from govreport.inference.view_html import ViewSpan, esc, highlight, page

__all__ = ["MISSING_MATPLOTLIB", "plot_f1", "plot_history", "plot_calibration", "render_report", "render_compare"]

MISSING_MATPLOTLIB = ("the evaluation report draws its plots with matplotlib, which is not installed: "
                      "pip install 'govreport[report]' (or pip install matplotlib)")

CSS = """
body{font:14px/1.5 system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:1.5rem auto;padding:0 1.5rem;max-width:72rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.2rem}th,td{border:1px solid #ccc;padding:.2rem .5rem;vertical-align:top}
th{background:#f0f0f0;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#555}.yes{color:#1e7e34;font-weight:bold}.no{color:#777}img{max-width:100%;border:1px solid #eee}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.8rem}.pair>div{border:1px solid #ddd;padding:.4rem .6rem}
.text{white-space:pre-wrap;line-height:2}.gap{display:block;height:.4em}
mark.ent{padding:.05em .2em;border-radius:.3em;border:1px solid transparent}
mark.ent::after{content:attr(data-l);font-size:.6em;font-weight:bold;margin-left:.15em;opacity:.7}
mark.METRIC{background:#7aecec}mark.VALUE{background:#e4e7d2}mark.UNIT{background:#feca74}
mark.low{border:2px dashed #c0392b}
"""


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display: files only
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError(MISSING_MATPLOTLIB) from err
    return plt


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    _pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def plot_f1(report: dict[str, Any], keys: Sequence[str]) -> str:
    """F1 per key as bars with their bootstrap interval; a PNG data URI."""
    plt = _pyplot()
    intervals = report.get("bootstrap", {}).get("intervals", {})
    f1 = [report[k]["f1"] for k in keys]
    lo = [f - intervals[k]["f1"][0] if k in intervals else 0 for k, f in zip(keys, f1)]
    hi = [intervals[k]["f1"][1] - f if k in intervals else 0 for k, f in zip(keys, f1)]
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    ax.bar(range(len(keys)), f1, yerr=[lo, hi], capsize=5, color=["#7aecec", "#e4e7d2", "#feca74", "#9aa9ff", "#c7a0e8", "#a6e3a1"][:len(keys)],
           edgecolor="#555")
    ax.set_xticks(range(len(keys)), [k.replace("_", " ") for k in keys])
    ax.set_ylim(min(0.5, min(f1) - 0.1) if f1 else 0, 1.0)
    ax.set_ylabel("F1")
    level = report.get("bootstrap", {}).get("level", 0.95)
    ax.set_title(f"F1 with {level:.0%} bootstrap intervals (texts resampled)")
    ax.grid(axis="y", alpha=.3)
    return _png(fig)


def plot_history(history: dict[str, Any]) -> str:
    """Training loss and evaluation F1 per step (two panels); a PNG data URI."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    if history["loss"]:
        steps, loss = zip(*history["loss"])
        left.plot(steps, loss, color="#555")
    left.set_title("training loss")
    left.set_xlabel("step")
    for name, points in history["eval_f1"].items():
        steps, f1 = zip(*points)
        right.plot(steps, f1, marker="o", markersize=3, label=name)
    right.set_title("evaluation micro F1 (seqeval strict)")
    right.set_xlabel("step")
    if history["eval_f1"]:
        right.legend()
    for ax in (left, right):
        ax.grid(alpha=.3)
    return _png(fig)


def plot_calibration(calib: dict[str, Any]) -> str:
    """The reliability diagram of span confidences (accuracy per confidence bin); a PNG data URI."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.2, 4))
    bins = [b for b in calib["bins"] if b["count"]]
    ax.plot([0, 1], [0, 1], linestyle="--", color="#999", label="perfectly calibrated")
    ax.bar([(b["lo"] + b["hi"]) / 2 for b in bins], [b["accuracy"] for b in bins],
           width=[(b["hi"] - b["lo"]) * 0.9 for b in bins], color="#9aa9ff", edgecolor="#555", label="share right")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("span confidence")
    ax.set_ylabel("share of spans exactly right")
    ax.set_title(f"calibration (ECE {calib['ece']:.3f}, {calib['spans']} spans)")
    ax.legend(loc="upper left", fontsize=8)
    return _png(fig)


def _f(x: Any) -> str:
    return "–" if x is None else f"{x:.3f}"


def _scores_table(report: dict[str, Any], keys: Sequence[str]) -> str:
    intervals = report.get("bootstrap", {}).get("intervals", {})
    rows = ["<table><tr><th></th><th>precision</th><th>recall</th><th>F1</th><th>F1 95% interval</th>"
            "<th>gold</th><th>predicted</th><th>correct</th></tr>"]
    for key in keys:
        row, ci = report[key], intervals.get(key, {}).get("f1")
        rows.append(f"<tr><th>{esc(key)}</th><td class=\"num\">{_f(row['precision'])}</td><td class=\"num\">"
                    f"{_f(row['recall'])}</td><td class=\"num\"><b>{_f(row['f1'])}</b></td><td class=\"num\">"
                    f"{'–' if ci is None else f'{ci[0]:.3f} – {ci[1]:.3f}'}</td><td class=\"num\">{row['support']}</td>"
                    f"<td class=\"num\">{row['predicted']}</td><td class=\"num\">{row.get('correct', '')}</td></tr>")
    return "".join(rows) + "</table>"


def _errors_table(report: dict[str, Any]) -> str:
    rows = "".join(f"<tr><td>{esc(kind)}</td><td class=\"num\">{n}</td></tr>" for kind, n in report["errors"].items())
    by_type = report.get("entity_errors_by_type", {})
    types = list(next(iter(by_type.values()), {}))
    detail = ("<table><tr><th>entity error</th>" + "".join(f"<th>{esc(t)}</th>" for t in types) + "</tr>"
              + "".join(f"<tr><td>{esc(k)}</td>" + "".join(f"<td class=\"num\">{v.get(t, 0)}</td>" for t in types)
                        + "</tr>" for k, v in by_type.items()) + "</table>") if by_type else ""
    return f"<table><tr><th>kind</th><th>count</th></tr>{rows}</table>{detail}"


def _confusion_table(conf: dict[str, Any]) -> str:
    labels = conf["labels"]
    out = ["<table><tr><th>gold ↓ / predicted →</th>" + "".join(f"<th>{esc(l)}</th>" for l in labels) + "</tr>"]
    for g in labels:
        out.append(f"<tr><th>{esc(g)}</th>" + "".join(
            f"<td class=\"num\">{'<b>' if g == p else ''}{conf['matrix'][g][p]}{'</b>' if g == p else ''}</td>"
            for p in labels) + "</tr>")
    return "".join(out) + f"</table><p class=\"meta\">{esc(conf['note'])}; {conf['exact_boundaries']} pairs have exact boundaries.</p>"


def _side_by_side(result: Any, entry: dict[str, Any]) -> str:
    text = result.gold.text
    gold = [ViewSpan(s.start, s.end, s.label) for s in result.gold.spans]
    scored = {(s, e, l): sc for s, e, l, sc in result.pred.meta.get("span_scores") or ()}
    pred = [ViewSpan(s.start, s.end, s.label, scored.get((s.start, s.end, s.label))) for s in result.pred.spans]
    kinds = ", ".join(f"{k} {n}" for k, n in entry["kinds"].items())
    return (f"<h3>{esc(result.gold.id)} <span class=\"meta\">({entry['errors']} errors: {esc(kinds)})</span></h3>"
            f"<div class=\"pair\"><div><b>gold</b><div class=\"text\">{highlight(text, gold, 0, len(text))}</div></div>"
            f"<div><b>predicted</b><div class=\"text\">{highlight(text, pred, 0, len(text))}</div></div></div>")


def render_report(report: dict[str, Any], results: Sequence[Any], history: dict[str, Any] | None = None) -> str:
    """The whole evaluation report page for ``report`` (evaluate's JSON with :func:`eval.report.analyse`)."""
    keys = ["METRIC", "VALUE", "UNIT", "entity_micro", "record", "value_unit"]
    boot = report.get("bootstrap")
    body = [f"<h1>Evaluation: {esc(report.get('system'))}</h1>",
            f"<p class=\"meta\">gold: {esc(report.get('gold'))} · {report['texts']} texts · "
            f"{report['texts_with_errors']} with errors · {esc(report.get('scoring'))}"
            + (f" · intervals: {boot['resamples']} bootstrap resamples of the texts, seed {boot['seed']}" if boot else "")
            + "</p>", "<h2>Scores</h2>", _scores_table(report, keys),
            f'<img alt="F1 per type with intervals" src="{plot_f1(report, keys)}">',
            "<h2>Errors by kind</h2>", _errors_table(report),
            "<h2>Confusion of span types</h2>", _confusion_table(report["confusion"])]
    calib = report.get("calibration")
    if calib:
        rows = "".join(f"<tr><td>{b['lo']:.1f}–{b['hi']:.1f}</td><td class=\"num\">{b['count']}</td>"
                       f"<td class=\"num\">{_f(b['confidence'])}</td><td class=\"num\">{_f(b['accuracy'])}</td></tr>"
                       for b in calib["bins"] if b["count"])
        body += ["<h2>Calibration of span confidences</h2>",
                 f'<img alt="reliability diagram" src="{plot_calibration(calib)}">',
                 f"<table><tr><th>confidence</th><th>spans</th><th>mean confidence</th><th>share right</th></tr>{rows}</table>"]
    if history:
        body += ["<h2>Training curves</h2>", f"<p class=\"meta\">from {esc(history['source'])}</p>",
                 f'<img alt="training curves" src="{plot_history(history)}">']
    by_id = {r.gold.id: r for r in results}
    worst = [w for w in report.get("worst_texts", []) if w["id"] in by_id]
    if worst:
        body.append(f"<h2>The {len(worst)} texts with most errors</h2>")
        body += [_side_by_side(by_id[w["id"]], w) for w in worst]
    if report.get("per_source"):
        rows = "".join(f"<tr><td>{esc(s)}</td><td class=\"num\">{r['texts']}</td><td class=\"num\">"
                       f"{_f(r['entity_micro']['f1'])}</td><td class=\"num\">{_f(r['record']['f1'])}</td></tr>"
                       for s, r in report["per_source"].items())
        body.append("<h2>Per source</h2><table><tr><th>source</th><th>texts</th><th>entity micro F1</th>"
                    f"<th>record F1</th></tr>{rows}</table>")
    return page(f"govreport evaluation: {report.get('system')}", "\n".join(body), panel=False, script=None,
                images=True, css=CSS)


def render_compare(result: dict[str, Any]) -> str:
    """Two runs side by side: F1 of each with its interval, B − A with its paired interval."""
    rows = []
    for key, d in result["keys"].items():
        outside = '<span class="yes">yes</span>' if d["outside"] else '<span class="no">no</span>'
        rows.append(f"<tr><th>{esc(key)}</th><td class=\"num\">{_f(d['a'])}</td><td class=\"num\">"
                    f"{d['a_interval'][0]:.3f} – {d['a_interval'][1]:.3f}</td><td class=\"num\">{_f(d['b'])}</td>"
                    f"<td class=\"num\">{d['b_interval'][0]:.3f} – {d['b_interval'][1]:.3f}</td>"
                    f"<td class=\"num\"><b>{d['diff']:+.3f}</b></td><td class=\"num\">{d['interval'][0]:+.3f} – "
                    f"{d['interval'][1]:+.3f}</td><td>{outside}</td></tr>")
    body = (f"<h1>Comparison</h1><p>A: {esc(result['a']['system'])} on {esc(result['a']['gold'])}<br>"
            f"B: {esc(result['b']['system'])} on {esc(result['b']['gold'])}</p>"
            f"<p class=\"meta\">{result['texts']} texts, {result['resamples']} paired bootstrap resamples, seed "
            f"{result['seed']}, {result['level']:.0%} intervals. {esc(result['note'])}.</p>"
            "<table><tr><th></th><th>A F1</th><th>A interval</th><th>B F1</th><th>B interval</th><th>B − A</th>"
            f"<th>interval of B − A</th><th>outside?</th></tr>{''.join(rows)}</table>")
    return page("govreport comparison", body, panel=False, script=None, css=CSS)
