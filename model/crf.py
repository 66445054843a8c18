"""Learned label transitions: a linear-chain CRF over the tagger's per-token scores (``--head crf``).

A token classifier trained with cross-entropy scores each token alone, and IOB2 decoding
(:func:`model.tagging.viterbi_iob2`) only forbids the invalid sequences. A CRF adds a score for
every pair of neighbouring labels and for the label a window opens with, learned from the
sequence likelihood alongside the token loss; decoding then takes the valid path of highest
total score, so where a name starts and ends is decided over the whole window, not token by
token. The scores live in the model's ``config.json`` under ``crf`` (:data:`model.files.CRF_KEY`,
:meth:`Transitions.to_config`), so a model folder stays all inference needs.

>>> crf = Transitions(3)
>>> emissions = torch.tensor([[[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]])
>>> labels = torch.tensor([[0, 1, -100]])          # the last token is padding
>>> round(crf.nll(emissions, labels).item(), 4)   # (2 log(e² + 2) - 4) / 2: per labelled token
0.2395
"""

from __future__ import annotations

import torch
from torch import nn

from govreport.model.tagging import IGNORE_INDEX


class Transitions(nn.Module):
    """Transition scores ``transitions[i, j]`` (label ``j`` after label ``i``) and opening scores ``start[j]``.

    They start at zero (the token classifier's own decoding) or from a saved ``config.crf``.
    """

    def __init__(self, num_labels: int, saved: dict | None = None):
        super().__init__()
        self.transitions = nn.Parameter(torch.zeros(num_labels, num_labels))
        self.start = nn.Parameter(torch.zeros(num_labels))
        if saved:
            self.load_config(saved)

    def load_config(self, saved: dict) -> None:
        """Take the scores of a ``config.crf`` (:meth:`to_config`)."""
        with torch.no_grad():
            self.transitions.copy_(torch.tensor(saved["transitions"]))
            self.start.copy_(torch.tensor(saved["start"]))

    def nll(self, emissions: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood of the gold label paths per labelled token, averaged over the batch.

        ``emissions`` (batch, tokens, labels) are the model's logits; tokens labelled
        :data:`IGNORE_INDEX` (special tokens, padding) are left out and the rest of a row read
        as one sequence. Dividing by the sequence length keeps the loss on the scale of the
        token cross-entropy it is added to.
        """
        emissions = emissions.float()
        keep = labels != IGNORE_INDEX
        # the labelled tokens of each row moved to its front, in order
        order = torch.sort((~keep).to(torch.int8), dim=1, stable=True).indices
        emissions = emissions.gather(1, order[..., None].expand_as(emissions))
        labels = labels.gather(1, order).clamp(min=0)
        lengths = keep.sum(1)
        rows = lengths > 0
        emissions, labels, lengths = emissions[rows], labels[rows], lengths[rows]
        if not len(lengths):
            return emissions.sum() * 0.0
        steps = int(lengths.max())
        emissions, labels = emissions[:, :steps], labels[:, :steps]
        inside = torch.arange(steps, device=labels.device)[None] < lengths[:, None]

        # the gold path's score
        scores = emissions.gather(2, labels[..., None])[..., 0]
        scores = torch.cat([scores[:, :1], scores[:, 1:] + self.transitions[labels[:, :-1], labels[:, 1:]]], 1)
        gold = self.start[labels[:, 0]] + (scores * inside).sum(1)
        # every path's, by the forward algorithm
        alpha = self.start + emissions[:, 0]
        for t in range(1, steps):
            moved = torch.logsumexp(alpha[:, :, None] + self.transitions, dim=1) + emissions[:, t]
            alpha = torch.where(inside[:, t, None], moved, alpha)
        log_partition = torch.logsumexp(alpha, dim=1)
        return ((log_partition - gold) / lengths).mean()

    def to_config(self) -> dict:
        """The scores as ``config.crf`` holds them: plain lists, rounded to what a float32 keeps."""
        return {
            "transitions": [[round(float(v), 6) for v in row] for row in self.transitions.detach().cpu()],
            "start": [round(float(v), 6) for v in self.start.detach().cpu()],
        }
