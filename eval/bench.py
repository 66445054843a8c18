"""``govreport bench``: time extraction end to end, for the model and the rule baseline.

    govreport bench                                  # the default model (model/fast), 20 generated reports
    govreport bench --model out/runs/e5-default --reports 50 --batch-size 64
    govreport bench --soak 1000                      # one extract run over 1,000 mixed files (eval/soak.py)

The corpus is fixed: ``data/samples/reports_page.txt`` plus ``--reports`` reports from
:func:`data.generate.build_dataset` with a fixed seed, each report's sentences joined back
into one document. Both systems run through :class:`inference.Extractor` on the same
documents in the same process, after a warm-up (model weights and jieba's dictionary are
loaded before the clock starts). For the model, a hook around its ``forward`` measures the
share of time spent in the network; the rest is reading, sentence cutting, tokenisation,
windowing and record building. Each system makes ``--repeat`` passes over the corpus and
the fastest is printed with the slowest beside it: on a shared machine, runs a minute apart
differ by 15%. Figures are printed; nothing here is a test.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from govreport.data.logs import setup_logging
from govreport.data.paths import SAMPLE_PAGE
from govreport.inference.options import add_model_options, model_tagger

logger = logging.getLogger(__name__)

BENCH_SEED = 20240501  # fixed, so every run times the same corpus


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govreport bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=20,
                        help="generated reports added to the sample page (default 20)")
    add_model_options(parser, model_default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: all available cores)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed passes per system; the fastest is reported, with the range (default 3)")
    parser.add_argument("--no-model", action="store_true", help="time the rule baseline only")
    parser.add_argument("--soak", type=int, default=None, metavar="N",
                        help="instead: one govreport extract run over a folder of N mixed files (good, GBK, broken, "
                             "binary, empty, huge); checks every good file's records and every bad file's failure, "
                             "prints the peak memory (eval/soak.py)")
    parser.add_argument("--soak-dir", type=Path, default=None,
                        help="build the soak folder and output here and keep them (default: a temporary folder)")
    parser.add_argument("--soak-huge-mb", type=float, default=1.0, help="size of each huge soak file (default 1 MB)")
    return parser


def corpus(reports: int, seed: int = BENCH_SEED) -> list[str]:
    """The sample page and ``reports`` generated reports, one document each.

    (build_dataset writes at least one report per split, so a few reports means three.)

    >>> docs = corpus(3)
    >>> len(docs), docs[0] == SAMPLE_PAGE.read_text(encoding="utf-8")
    (4, True)
    """
    docs = [SAMPLE_PAGE.read_text(encoding="utf-8")]
    if reports <= 0:
        return docs
    from govreport.data.generate import build_dataset

    by_report: dict[str, list[str]] = {}
    for examples in build_dataset(reports, seed).values():
        for ex in examples:
            # ids are REPORT-SENTENCE (train-00003-012): the sentences of a report, in order.
            by_report.setdefault(ex.id.rsplit("-", 1)[0], []).append(ex.text)
    docs += ["\n".join(texts) for texts in by_report.values()]
    return docs


@dataclass
class Timing:
    """The fastest of a system's timed passes, and the slowest for the spread."""

    name: str
    seconds: float
    chars: int
    records: int
    forward_seconds: float | None = None
    slowest: float | None = None

    @property
    def chars_per_second(self) -> float:
        return self.chars / self.seconds if self.seconds else float("inf")

    def line(self) -> str:
        text = (f"{self.name:<8} {self.seconds:8.2f} s  {self.chars_per_second:10.0f} chars/s  "
                f"{self.records:6d} records")
        if self.forward_seconds is not None and self.seconds:
            share = 100 * self.forward_seconds / self.seconds
            text += f"  forward {self.forward_seconds:.2f} s ({share:.0f}% of the time)"
        if self.slowest is not None and self.slowest > self.seconds:
            text += f"  [slowest pass {self.chars / self.slowest:.0f} chars/s]"
        return text


def run(name: str, tagger, docs: list[str], forward_timer: "ForwardTimer | None" = None, repeat: int = 1) -> Timing:
    """Extract from ``docs`` ``repeat`` times, after one warm-up sentence; the fastest pass.

    Every pass starts from an empty word-segmentation cache, as a fresh process would, so
    later passes are not helped by the first. The character tokenizer's table
    (:func:`model.windows.encode_windows`) is kept: it holds one entry per character
    seen, and any long run fills it in its first documents. On a shared machine the
    fastest pass is the one least disturbed by other work, the usual way to time code
    (``timeit``).
    """
    from govreport.inference.extract import Extractor
    from govreport.inference.snapping import clear_word_cache

    extractor = Extractor(tagger).settle()  # as govreport extract does after loading
    extractor.extract(["全年共发布工作动态252条,浏览量接近七十万次。"])  # warm-up: first-call costs
    passes = []
    for _ in range(repeat):
        clear_word_cache()
        if forward_timer is not None:
            forward_timer.reset()
        start = time.perf_counter()
        results = extractor.extract_documents(docs)
        seconds = time.perf_counter() - start
        forward = forward_timer.seconds if forward_timer is not None else None
        passes.append((seconds, forward, sum(len(r.records) for r in results)))
    seconds, forward, records = min(passes, key=lambda p: p[0])
    return Timing(name, seconds, sum(map(len, docs)), records, forward, max(p[0] for p in passes))


class ForwardTimer:
    """Forward hooks that add up the wall time of a module's ``forward`` calls.

    On CUDA the device is synchronised at both ends, so queued kernels are counted in the
    call that launched them.
    """

    def __init__(self, module, cuda: bool = False):
        self.seconds = 0.0
        self.calls = 0
        self._start = 0.0
        self._cuda = cuda
        self._handles = [module.register_forward_pre_hook(self._before),
                         module.register_forward_hook(self._after)]

    def _sync(self) -> None:
        if self._cuda:
            import torch

            torch.cuda.synchronize()

    def _before(self, module, args) -> None:
        self._sync()
        self._start = time.perf_counter()

    def _after(self, module, args, output) -> None:
        self._sync()
        self.seconds += time.perf_counter() - self._start
        self.calls += 1

    def reset(self) -> None:
        self.seconds, self.calls = 0.0, 0

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.WARNING, "named")
    if args.reports < 0 or args.batch_size < 1 or args.repeat < 1:
        print("bench: --reports must be >= 0, --batch-size and --repeat >= 1", file=sys.stderr)
        return 2
    if args.soak is not None:
        from govreport.eval.soak import counts, report, soak

        if args.soak < 10:
            print("bench: --soak needs at least 10 files", file=sys.stderr)
            return 2
        result = soak(args.soak, args.model, args.backend, args.soak_dir, args.soak_huge_mb)
        print(report(result, counts(args.soak)))
        return 1 if result.problems else 0
    docs = corpus(args.reports)
    chars = sum(map(len, docs))
    print(f"corpus: {SAMPLE_PAGE.name} + {args.reports} generated reports (seed {BENCH_SEED}): "
          f"{len(docs)} documents, {chars} characters; fastest of {args.repeat} passes per system")

    timings: list[Timing] = []
    if not args.no_model:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        start = time.perf_counter()
        try:
            tagger = model_tagger(args, num_threads=args.threads)
        except (OSError, ValueError) as err:
            print(f"bench: cannot load the model: {err} (use --no-model to time the rules only)", file=sys.stderr)
            return 2
        import torch

        load = time.perf_counter() - start
        print(f"model: {tagger.model_dir} ({tagger.serving}) on {tagger.device} "
              f"(threads {torch.get_num_threads()}, "
              f"batch size {args.batch_size}), loaded in {load:.1f} s")
        timer = ForwardTimer(tagger.model, cuda=tagger.device.startswith("cuda"))
        try:
            timings.append(run("model", tagger, docs, timer, args.repeat))
        finally:
            timer.remove()
        logger.info("%d forward calls", timer.calls)

    from govreport.eval.rules import RuleTagger

    timings.append(run("rules", RuleTagger(), docs, repeat=args.repeat))
    for timing in timings:
        print(timing.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
