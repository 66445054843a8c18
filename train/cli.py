"""``govreport train``: the command line over :func:`train.run.train`.

    govreport train --data out/data --output-dir out/model --base-model char-small --epochs 3

Options come from :class:`train.config.TrainConfig` (``--help`` lists them); a
``--config`` JSON file may hold any of them. A bad dataset, gold file, option or
base model ends the run with one line on stderr and exit status 2.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
from typing import Callable

from govreport.data.errors import cli_error
from govreport.data.logs import setup_logging


def main(argv: list[str] | None = None, record_scorer=None) -> int:
    """``record_scorer``: see :func:`train.run.train`; the dispatcher hands in :func:`eval.selection.record_scores`."""

    def load_train():
        from govreport.train.run import train  # torch and transformers load only once the options are good

        return train

    from govreport.train.config import parse_config

    return run_command("train", sys.argv[1:] if argv is None else argv, parse_config, load_train, record_scorer)


def run_command(name: str, argv: list[str], parse: Callable, load_run: Callable[[], Callable], record_scorer=None) -> int:
    """Parse options, run, print a one-line summary: the CLI of ``govreport train`` and ``govreport distill``.

    ``parse(argv)`` returns the options; ``load_run()`` returns the function that
    runs them (imported late, so a bad option fails before torch loads). A bad
    option, dataset, gold file or model ends with one line on stderr and status 2.
    """
    argv = list(argv)
    # Nothing may come from the Hub at run time; set before huggingface_hub is imported
    # so even code paths that ignore local_files_only stay offline.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from govreport.data.doccano import FormatError
    from govreport.train.config import ConfigError
    from govreport.train.data import DataError

    try:
        cfg = parse(argv)
    except ConfigError as err:
        return cli_error(f"govreport {name}: error", err)

    setup_logging(logging.INFO, "timed")
    run = load_run()
    try:
        results = run(cfg, command=shlex.join(["govreport", name, *argv]), record_scorer=record_scorer)
    except (ConfigError, DataError, FormatError) as err:
        return cli_error(f"govreport {name}: error", err)
    finally:
        end_process_group()
    if results:
        scores = results["final_scores"]
        summary = ", ".join(f"{set_name} micro F1 {s['micro']['f1']:.4f}" for set_name, s in scores.items())
        print(
            f"saved {cfg.output_dir} after {results['global_step']} steps "
            f"({results['train_examples_per_second']:.1f} windows/s); {summary or 'no evaluation'} "
            f"(seqeval strict IOB2, character tags)"
        )
    return 0


def end_process_group() -> None:
    """Under ``torchrun``, leave the process group before the interpreter exits: left to exit, a rank that
    is done first (every rank but 0 returns before the model is written) could abort in gloo's threads
    ("terminate called without an active exception") while rank 0 still works."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
