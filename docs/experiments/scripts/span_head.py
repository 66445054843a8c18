"""A span-scoring head for METRIC over a trained tagger's encoder (issue 18's boundary-aware lever).

A one-off measurement (docs/results.md, "A span-scoring head"), not a feature. The tagger's
encoder is frozen; a biaffine scorer reads its last hidden states at a candidate span's first and
last token (and the span's width) and says whether the span is a whole METRIC. Decoding takes the
candidates above a threshold, best first, that overlap no chosen span and no VALUE or UNIT of the
token head; those replace the token head's METRIC tags, and everything after (IOB2 decoding,
snapping, records, scoring) is the evaluator's own.

    python docs/experiments/scripts/span_head.py fit --model model/default --out out/span_head.pt \\
        --train data/gold/real_train.jsonl out/gen/train.jsonl --max-per-file 0 6000
    SPAN_HEAD=out/span_head.pt SPAN_MODE=replace SPAN_THRESHOLD=0.5 \\
        python docs/experiments/scripts/span_head.py evaluate --gold data/gold/real_val.jsonl --model model/default
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from types import SimpleNamespace

import torch
from torch import nn
from transformers import AutoModelForTokenClassification, AutoTokenizer

MAX_WIDTH = 32  # tokens; 99.7% of real_train's METRIC names are shorter
MAX_TOKENS = 256
B_METRIC, I_METRIC = 1, 2
OUTSIDE = 0


class SpanHead(nn.Module):
    """score(i, j) = s_i' U e_j + w'[s_i; e_j] + width[j - i], for tokens i <= j < i + MAX_WIDTH."""

    def __init__(self, hidden: int, size: int = 150):
        super().__init__()
        self.start = nn.Sequential(nn.Linear(hidden, size), nn.GELU(), nn.Dropout(0.1))
        self.end = nn.Sequential(nn.Linear(hidden, size), nn.GELU(), nn.Dropout(0.1))
        self.bilinear = nn.Parameter(torch.zeros(size, size))
        self.linear_start = nn.Linear(size, 1)
        self.linear_end = nn.Linear(size, 1, bias=False)
        self.width = nn.Embedding(MAX_WIDTH, 1)
        nn.init.zeros_(self.width.weight)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """Scores ``(batch, n, n)`` of spans (i, j); spans outside 0 <= j - i < MAX_WIDTH are -inf."""
        s, e = self.start(hidden), self.end(hidden)
        scores = torch.einsum("bix,xy,bjy->bij", s, self.bilinear, e)
        scores = scores + self.linear_start(s) + self.linear_end(e).transpose(1, 2)
        n = hidden.shape[1]
        offset = torch.arange(n)[None, :] - torch.arange(n)[:, None]  # j - i
        valid = (offset >= 0) & (offset < MAX_WIDTH)
        scores = scores + self.width(offset.clamp(0, MAX_WIDTH - 1)).squeeze(-1)
        return scores.masked_fill(~valid, float("-inf"))


def encoder_states(model, input_ids, attention_mask):
    out = model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
    return out.hidden_states[-1], out.logits


def read_examples(paths, limits, tokenizer, seed=0):
    """Token ids and gold METRIC token spans of each sentence of the gold/generated files."""
    examples = []
    for path, limit in zip(paths, limits):
        with open(path, encoding="utf-8") as lines:
            rows = [json.loads(line) for line in lines if line.strip()]
        if limit:
            random.Random(seed).shuffle(rows)
            rows = rows[:limit]
        for row in rows:
            enc = tokenizer(row["text"], return_offsets_mapping=True, truncation=True, max_length=MAX_TOKENS)
            offsets = enc["offset_mapping"]
            starts = {s: k for k, (s, e) in enumerate(offsets) if e > s}
            ends = {e: k for k, (s, e) in enumerate(offsets) if e > s}
            spans = [(starts[s], ends[e]) for s, e, t in row["label"]
                     if t == "METRIC" and s in starts and e in ends and ends[e] - starts[s] < MAX_WIDTH]
            examples.append((enc["input_ids"], spans))
    return examples


def fit(args):
    tokenizer = AutoTokenizer.from_pretrained(args.model, local_files_only=True)
    model = AutoModelForTokenClassification.from_pretrained(args.model, local_files_only=True,
                                                            dtype=torch.float32).eval()
    torch.set_num_threads(os.cpu_count() or 2)
    limits = args.max_per_file or [0] * len(args.train)
    examples = read_examples(args.train, limits, tokenizer)
    print(f"{len(examples)} sentences, {sum(len(s) for _, s in examples)} METRIC spans", file=sys.stderr)
    # the encoder is frozen: its states are computed once (bf16 on the CPU: what the tagger runs in)
    model.to(torch.bfloat16)
    states = []
    start = time.time()
    order = sorted(range(len(examples)), key=lambda k: len(examples[k][0]))
    with torch.inference_mode():
        for b in range(0, len(order), 64):
            batch = order[b:b + 64]
            width = max(len(examples[k][0]) for k in batch)
            ids = torch.full((len(batch), width), tokenizer.pad_token_id)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for r, k in enumerate(batch):
                ids[r, :len(examples[k][0])] = torch.tensor(examples[k][0])
                mask[r, :len(examples[k][0])] = 1
            hidden, logits = encoder_states(model, ids, mask)
            features = torch.cat([hidden, logits.log_softmax(-1).clamp(min=-10.0)], -1)
            for r, k in enumerate(batch):
                states.append((k, features[r, :len(examples[k][0])].clone()))
    print(f"encoder states in {time.time() - start:.0f} s", file=sys.stderr)
    states.sort()
    head = SpanHead(model.config.hidden_size + model.config.num_labels)
    optimizer = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=0.01)
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    steps = 0
    for epoch in range(args.epochs):
        # batches of similar lengths
        order = sorted(range(len(examples)), key=lambda k: (len(examples[k][0]), rng.random()))
        batches = [order[b:b + args.batch_size] for b in range(0, len(order), args.batch_size)]
        rng.shuffle(batches)
        total = 0.0
        for batch in batches:
            width = max(len(examples[k][0]) for k in batch)
            hidden = torch.zeros((len(batch), width, model.config.hidden_size + model.config.num_labels))
            target = torch.zeros((len(batch), width, width))
            valid = torch.zeros((len(batch), width, width), dtype=torch.bool)
            for r, k in enumerate(batch):
                n = len(examples[k][0])
                hidden[r, :n] = states[k][1].float()
                valid[r, 1:n - 1, 1:n - 1] = True  # no CLS, SEP or padding
                for i, j in examples[k][1]:
                    target[r, i, j] = 1.0
            scores = head(hidden)
            valid &= torch.isfinite(scores)
            loss = nn.functional.binary_cross_entropy_with_logits(scores[valid], target[valid], reduction="sum")
            loss = loss / len(batch)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(head.parameters(), 1.0)
            optimizer.step()
            total += loss.item()
            steps += 1
        print(f"epoch {epoch + 1}: loss {total / len(batches):.3f}", file=sys.stderr)
    torch.save({"state": head.state_dict(), "hidden": model.config.hidden_size + model.config.num_labels}, args.out)


def choose_spans(probs: torch.Tensor, length: int, blocked: list[bool], threshold: float):
    """Non-overlapping spans (i, j) above ``threshold``, best first, none over a blocked token."""
    taken = [False] * length
    candidates = (probs > threshold).nonzero().tolist()
    candidates.sort(key=lambda ij: -probs[ij[0], ij[1]].item())
    chosen = []
    for i, j in candidates:
        if any(taken[i:j + 1]) or any(blocked[i:j + 1]):
            continue
        chosen.append((i, j))
        for k in range(i, j + 1):
            taken[k] = True
    return chosen


class SpanTagger(nn.Module):
    """A token classifier whose METRIC logits follow the span head."""

    def __init__(self, model, head, mode: str, threshold: float, threshold_new: float):
        super().__init__()
        self.model, self.head, self.mode = model, head.eval(), mode
        self.threshold, self.threshold_new = threshold, threshold_new  # threshold_new: names rerank adds
        self.config = model.config

    def forward(self, **inputs):
        hidden, logits = encoder_states(self.model, inputs["input_ids"], inputs["attention_mask"])
        logits = logits.float().clone()
        probs = torch.sigmoid(self.head(torch.cat([hidden.float(), logits.log_softmax(-1).clamp(min=-10.0)], -1)))
        labels = logits.argmax(-1)
        big = float(logits.abs().max()) + 10.0
        for r in range(logits.shape[0]):
            n = int(inputs["attention_mask"][r].sum())
            row = labels[r].tolist()
            blocked = [k in (0, n - 1) or row[k] > I_METRIC for k in range(n)]
            p = probs[r, :n, :n].clone()
            p[0, :] = p[:, n - 1] = 0.0
            if self.mode == "replace":
                chosen = choose_spans(p, n, blocked, self.threshold)
            else:  # rerank: keep the token head's METRIC names, at the head's best boundaries around each
                chosen = []
                k = 0
                while k < n:
                    if row[k] in (B_METRIC, I_METRIC):
                        m = k
                        while m + 1 < n and row[m + 1] == I_METRIC:
                            m += 1
                        mask = torch.zeros_like(p, dtype=torch.bool)
                        mask[max(0, k - 8):m + 1, k:min(n, m + 9)] = True  # overlapping, within 8 tokens
                        q = p.masked_fill(~mask, 0.0)
                        best = divmod(int(q.argmax()), n)
                        chosen.append(best if q.max() > self.threshold else (k, m))
                        k = m + 1
                    else:
                        k += 1
                chosen.sort()
                kept, last = [], -1
                for i, j in chosen:  # overlapping after moving: keep the earlier
                    if i > last:
                        kept.append((i, j))
                        last = j
                chosen = kept
                blocked_spans = [False] * n
                for i, j in chosen:
                    for t in range(i, j + 1):
                        blocked_spans[t] = True
                chosen += choose_spans(p, n, [a or b for a, b in zip(blocked, blocked_spans)], self.threshold_new)
            metric = torch.zeros(n, dtype=torch.long)
            for i, j in chosen:
                metric[i] = B_METRIC
                metric[i + 1:j + 1] = I_METRIC
            for k in range(n):
                if row[k] in (B_METRIC, I_METRIC) or metric[k]:
                    logits[r, k, :] = -big
                    logits[r, k, int(metric[k]) if metric[k] else (row[k] if row[k] > I_METRIC else OUTSIDE)] = big
        return SimpleNamespace(logits=logits)


def evaluate(argv):
    import govreport.inference.tagger as tagger_module
    from govreport.eval.cli import main

    init = tagger_module.ModelTagger.__init__
    saved = torch.load(os.environ["SPAN_HEAD"])
    head = SpanHead(saved["hidden"])
    head.load_state_dict(saved["state"])

    def with_span_head(self, *a, **k):
        init(self, *a, **k)
        self.model = SpanTagger(self.model.float(), head, os.environ.get("SPAN_MODE", "replace"),
                                float(os.environ.get("SPAN_THRESHOLD", "0.5")),
                                float(os.environ.get("SPAN_THRESHOLD_NEW", "0.9")))
        self.pad_to = 1

    tagger_module.ModelTagger.__init__ = with_span_head
    return main(argv)


if __name__ == "__main__":
    if sys.argv[1] == "evaluate":
        sys.exit(evaluate(sys.argv[2:]))
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["fit"])
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--train", nargs="+", required=True)
    parser.add_argument("--max-per-file", nargs="+", type=int)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    fit(parser.parse_args())
