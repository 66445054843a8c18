"""The review page in a real browser: headless Chromium from the system's packages.

Skipped when ``/usr/bin/chromium`` is absent (``.ci/run`` installs it with apt where it can).
The page is made from a tiny invented extraction output: the browser, not the model, is
under test here.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest

from govreport.inference.view import write_site
from tests.test_view import HOSTILE, fake_line

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run headless Chromium with a throwaway profile; stdout is the dumped DOM, stderr the console."""
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def site(tmp_path: Path, *lines: dict) -> Path:
    jsonl = tmp_path / "out.jsonl"
    jsonl.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    write_site(jsonl, tmp_path / "site")
    return tmp_path / "site" / "doc-00001.html"


def test_screenshot_is_not_blank(tmp_path):
    from PIL import Image

    page = site(tmp_path, fake_line())
    shot = tmp_path / "shot.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1000,700", page.as_uri())
    image = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    # A blank or unstyled page has a handful of colours; highlighted text has hundreds.
    assert image.size == (1000, 700) and len(colours) > 50
    # The three highlight colours (METRIC, VALUE, UNIT backgrounds) are on screen.
    present = {rgb for _, rgb in colours}
    assert {(0x7A, 0xEC, 0xEC), (0xE4, 0xE7, 0xD2), (0xFE, 0xCA, 0x74)} <= present


def test_dom_has_the_highlighted_spans_and_no_csp_violation(tmp_path):
    page = site(tmp_path, fake_line())
    run = chromium(tmp_path, "--dump-dom", page.as_uri())
    marks = re.findall(r'<mark class="([^"]+)"[^>]*>([^<]*)</mark>', run.stdout)
    assert ("ent METRIC linked", "工作动态") in marks and ("ent VALUE linked", "252") in marks
    assert ("ent UNIT linked", "次") in marks and ("ent METRIC low linked", "浏览量") in marks
    # The page's own script is allowed by its hash: the browser reports no blocked script, and
    # page.html#r2 opens with record 2's spans outlined and its record in the side panel.
    assert "Content Security Policy" not in run.stderr
    run = chromium(tmp_path, "--dump-dom", page.as_uri() + "#r2")
    outlined = re.findall(r'<mark class="[^"]* on"[^>]*>([^<]*)</mark>', run.stdout)
    assert outlined == ["浏览量", "七十万", "次"]
    assert re.search(r'<aside id="panel">metric: 浏览量\nvalue: 700000', run.stdout)


def test_hostile_report_runs_no_script(tmp_path):
    payload = (HOSTILE + '<img src=x onerror="document.body.setAttribute(\'data-pwned\',1)">'
               "<svg onload=\"document.title='pwned'\"></svg>")
    text = payload + "共3件。"
    line = fake_line(text=text, title=payload, source=payload, agency=payload,
                     label=[[len(payload) + 1, len(payload) + 2, "VALUE"]], scores=[0.5],
                     records=[{"metric": payload, "value": 3, "unit": None, "raw": "3", "qualifier": payload,
                               "value_span": [len(payload) + 1, len(payload) + 2]}])
    page = site(tmp_path, line)
    dom = chromium(tmp_path, "--dump-dom", "--virtual-time-budget=2000", page.as_uri()).stdout
    assert dom.startswith("<!DOCTYPE html>") or "<html" in dom
    title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert title.startswith("govreport review: &lt;script&gt;")
    # Neither the onerror nor the onload handler ran, and no element came out of the payload.
    assert "data-pwned" not in re.search(r"<body[^>]*>", dom).group(0)
    assert "<img" not in dom and "<svg" not in dom and dom.count("<script") == 1
    assert "&lt;img src=x onerror=" in dom  # shown as text


def test_the_hostile_payload_would_run_unescaped(tmp_path):
    # The control for the test above: the same browser run does catch a script that runs.
    raw = tmp_path / "raw.html"
    raw.write_text("<!DOCTYPE html><html><head><title>t</title></head><body>"
                   "<script>document.title='pwned'</script>"
                   "<img src=x onerror=\"document.body.setAttribute('data-pwned',1)\"></body></html>", encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", "--virtual-time-budget=2000", raw.as_uri()).stdout
    assert "<title>pwned</title>" in dom and "data-pwned" in re.search(r"<body[^>]*>", dom).group(0)
