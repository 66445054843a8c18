"""The report options of ``govreport evaluate``: ``--html``, ``--run`` and ``--compare``.

    govreport evaluate --gold data/gold/dev.jsonl --model fast --output out/fast.json --html out/fast.html --run model/fast
    govreport evaluate --compare out/rules.json out/fast.json --html out/compare.html

Thin glue between :mod:`eval.cli` and :mod:`eval.report` / :mod:`eval.report_html`: each
function prints its own error and says whether to go on.

>>> markdown_compare({"a": {"system": "A"}, "b": {"system": "B"}, "texts": 2, "resamples": 10, "level": 0.95,
...     "keys": {"VALUE": {"a": 0.5, "b": 1.0, "diff": 0.5, "interval": [0.1, 0.9], "outside": True}}}).splitlines()[-1]
'| VALUE | 0.500 | 1.000 | +0.500 | +0.100 – +0.900 | yes |'
"""

from __future__ import annotations

import json
import sys
from typing import Any

from govreport.data.atomic import atomic_write
from govreport.data.errors import cli_error

__all__ = ["check_html_deps", "write_html", "run_compare", "markdown_compare"]


def check_html_deps(args) -> bool:
    """Fail before a long evaluation, not after it: matplotlib importable, the --run log readable."""
    from govreport.eval.report import read_history
    from govreport.eval.report_html import _pyplot

    try:
        _pyplot()
    except ImportError as err:
        print(f"evaluate: {err}", file=sys.stderr)
        return False
    if args.run:
        try:
            read_history(args.run)
        except (OSError, ValueError) as err:
            print(f"evaluate: cannot read the training log of --run: {err}", file=sys.stderr)
            return False
    return True


def write_html(args, report: dict[str, Any], result) -> bool:
    """Write the evaluation report page to ``args.html`` (atomically)."""
    from govreport.eval.report import read_history
    from govreport.eval.report_html import render_report

    try:
        history = read_history(args.run) if args.run else None
        page = render_report(report, result.texts, history)
        with atomic_write(args.html) as f:
            f.write(page)
    except (OSError, ValueError, ImportError) as err:
        print(f"evaluate: cannot write the report {args.html}: {err}", file=sys.stderr)
        return False
    print(f"evaluate: report in {args.html}", file=sys.stderr)
    return True


def markdown_compare(result: dict[str, Any]) -> str:
    lines = [f"A: {result['a']['system']} · B: {result['b']['system']} · {result['texts']} texts, "
             f"{result['resamples']} paired bootstrap resamples, {result['level']:.0%} interval of B − A", "",
             "| | A F1 | B F1 | B − A | interval | outside |", "|---|---:|---:|---:|---:|---|"]
    for key, d in result["keys"].items():
        lines.append(f"| {key} | {d['a']:.3f} | {d['b']:.3f} | {d['diff']:+.3f} | {d['interval'][0]:+.3f} – "
                     f"{d['interval'][1]:+.3f} | {'yes' if d['outside'] else 'no'} |")
    return "\n".join(lines)


def run_compare(args) -> int:
    """``govreport evaluate --compare A.json B.json``: print the comparison, optionally save it."""
    from govreport.eval.report import compare, load_report

    try:
        a, b = (load_report(path) for path in args.compare)
        result = compare(a, b, max(args.bootstrap, 1), args.seed)
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as err:
        return cli_error("evaluate: cannot compare", err)
    print(markdown_compare(result))
    if args.output:
        with atomic_write(args.output) as f:
            json.dump(result, f, ensure_ascii=False, indent=2)
            f.write("\n")
    if args.html:
        from govreport.eval.report_html import render_compare

        with atomic_write(args.html) as f:
            f.write(render_compare(result))
        print(f"evaluate: comparison in {args.html}", file=sys.stderr)
    return 0
