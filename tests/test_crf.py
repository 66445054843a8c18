"""Learned label transitions (--head crf): the likelihood, the decoding, and a training run that keeps them."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer

from govreport.data.schema import LABELS, label2id
from govreport.model.crf import Transitions
from govreport.model.files import CRF_KEY
from govreport.model.tagging import IGNORE_INDEX, decode_windows, predict, viterbi_iob2
from govreport.train.cli import main

from tests.test_train import cli_args


def valid_iob2(path) -> bool:
    tags = [LABELS[i] for i in path]
    return all(not tag.startswith("I-") or (prev != "O" and prev[2:] == tag[2:]) for prev, tag in zip(["O", *tags], tags))


def path_score(crf: Transitions, emissions: torch.Tensor, path) -> torch.Tensor:
    return (crf.start[path[0]] + sum(emissions[i, label] for i, label in enumerate(path))
            + sum(crf.transitions[a, b] for a, b in zip(path, path[1:])))


def random_crf(labels: int, seed: int) -> Transitions:
    crf = Transitions(labels)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        crf.transitions.copy_(torch.randn(labels, labels, generator=generator))
        crf.start.copy_(torch.randn(labels, generator=generator))
    return crf


def test_nll_is_the_likelihood_over_every_path():
    """Oracle: log Z by enumerating all 3^n paths, over the labelled tokens of each row only."""
    crf = random_crf(3, seed=0)
    emissions = torch.randn(3, 6, 3, generator=torch.Generator().manual_seed(1))
    labels = torch.tensor([
        [IGNORE_INDEX, 0, 2, 1, IGNORE_INDEX, IGNORE_INDEX],   # special tokens and padding around
        [IGNORE_INDEX, 1, 1, IGNORE_INDEX, 0, 2],              # an unlabelled token inside is skipped
        [IGNORE_INDEX] * 6,                                    # a row with nothing labelled counts for nothing
    ])
    expected = []
    for row in range(2):
        keep = labels[row] != IGNORE_INDEX
        e, gold = emissions[row][keep], labels[row][keep].tolist()
        log_z = torch.logsumexp(torch.stack([path_score(crf, e, p) for p in itertools.product(range(3), repeat=len(gold))]), 0)
        expected.append((log_z - path_score(crf, e, gold)) / len(gold))
    assert crf.nll(emissions, labels).item() == pytest.approx(torch.stack(expected).mean().item(), abs=1e-5)


def test_a_batch_with_nothing_labelled_has_zero_loss_and_a_zero_gradient():
    """A batch of padding alone must not break the backward pass of a training step."""
    crf = Transitions(3)
    emissions = torch.zeros(1, 4, 3, requires_grad=True)
    loss = crf.nll(emissions, torch.full((1, 4), IGNORE_INDEX))
    loss.backward()
    assert loss.item() == 0.0
    assert emissions.grad is not None and not emissions.grad.any()


def test_transitions_learned_from_paths_decode_them_back():
    """With uninformative token scores, what the trained transitions prefer is the path they were fitted to."""
    gold = [label2id[t] for t in ("B-VALUE", "I-VALUE", "B-UNIT", "O", "B-METRIC", "I-METRIC")]
    crf = Transitions(len(LABELS))
    optimizer = torch.optim.Adam(crf.parameters(), lr=0.1)
    for _ in range(150):
        optimizer.zero_grad()
        crf.nll(torch.zeros(4, len(gold), len(LABELS)), torch.tensor([gold] * 4)).backward()
        optimizer.step()
    assert viterbi_iob2(np.zeros((1, len(gold), len(LABELS))), [len(gold)], crf.to_config()) == [gold]
    assert viterbi_iob2(np.zeros((1, len(gold), len(LABELS))), [len(gold)]) == [[0] * len(gold)]  # all O without them


def test_viterbi_with_transitions_is_the_best_valid_path():
    """Oracle: the highest-scoring valid IOB2 path over all 7^4 paths."""
    rng = np.random.default_rng(3)
    log_probs = np.log(rng.dirichlet(np.ones(len(LABELS)), size=(2, 4)))
    crf = random_crf(len(LABELS), seed=4).to_config()
    start, moves = np.array(crf["start"]), np.array(crf["transitions"])
    got = viterbi_iob2(log_probs, [4, 3], crf)
    for row, length in enumerate([4, 3]):
        paths = [p for p in itertools.product(range(len(LABELS)), repeat=length) if valid_iob2(p)]
        best = max(paths, key=lambda p: start[p[0]] + sum(log_probs[row, i, l] for i, l in enumerate(p))
                   + sum(moves[a, b] for a, b in zip(p, p[1:])))
        assert got[row] == list(best)


def test_zero_transitions_decode_as_the_token_classifier():
    rng = np.random.default_rng(5)
    logits = rng.normal(scale=3.0, size=(8, 12, len(LABELS)))
    lengths = [12, 12, 9, 5, 3, 2, 12, 7]  # a window of [CLS] [SEP] alone has nothing to decode
    zero = Transitions(len(LABELS)).to_config()
    for a, b in zip(decode_windows(logits, lengths), decode_windows(logits, lengths, zero)):
        np.testing.assert_array_equal(a, b)


def test_train_with_a_crf_head_keeps_the_kept_checkpoints_transitions(dataset_dir, model_dir, tmp_path):
    out = tmp_path / "crf"
    assert main(cli_args(dataset_dir, model_dir, out, "--head", "crf", "--crf-learning-rate", "0.5")) == 0
    saved = json.loads((out / "config.json").read_text(encoding="utf-8"))[CRF_KEY]
    assert np.abs(np.array(saved["transitions"])).max() > 0.1, "the transitions trained"
    kept = json.loads((out / "train_results.json").read_text(encoding="utf-8"))["best_checkpoint"]
    assert json.loads((out / kept / "config.json").read_text(encoding="utf-8"))[CRF_KEY] == saved
    assert "the pipeline tags each token by its own score and ignores them" in (out / "README.md").read_text(encoding="utf-8")

    # the model folder is all inference needs: predict decodes with the saved transitions
    model, tokenizer = AutoModelForTokenClassification.from_pretrained(out), AutoTokenizer.from_pretrained(out)
    everything_a_value = Transitions(len(LABELS)).to_config()
    everything_a_value["start"][label2id["B-VALUE"]] = 1e3
    for previous in ("B-VALUE", "I-VALUE"):
        everything_a_value["transitions"][label2id[previous]][label2id["I-VALUE"]] = 1e3
    setattr(model.config, CRF_KEY, everything_a_value)
    assert predict(model, tokenizer, ["办结3件"])[0].tags == ["B-VALUE", "I-VALUE", "I-VALUE", "I-VALUE"]

    # a token-head run from it drops transitions that no longer fit the scores it trains
    again = tmp_path / "token"
    assert main(cli_args(dataset_dir, out, again)) == 0
    assert CRF_KEY not in json.loads((again / "config.json").read_text(encoding="utf-8"))
    assert "learned label transitions" not in (again / "README.md").read_text(encoding="utf-8")


def test_crf_learning_rate_must_be_positive(dataset_dir, model_dir, tmp_path, capsys):
    assert main(cli_args(dataset_dir, model_dir, tmp_path / "m", "--head", "crf", "--crf-learning-rate", "0")) == 2
    assert "--crf-learning-rate must be positive" in capsys.readouterr().err
