"""The distillation objective: the loss, the Trainer that uses it and the collator that pads soft labels."""

from __future__ import annotations


import torch
import torch.nn.functional as F
from transformers import DataCollatorForTokenClassification

from govreport.model.tagging import IGNORE_INDEX
from govreport.train.trainer import TaggingTrainer



def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    mask: torch.Tensor,
    temperature: float,
    alpha: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``alpha·T²·KL(teacher_T ‖ student_T) + (1 - alpha)·CE(gold)``; returns (loss, KL, CE).

    The KL term is averaged over the tokens where ``mask`` is 1 (tokens that stand
    for characters: not [CLS], [SEP], padding or an empty piece, whose teacher logits
    were never trained). T² keeps its gradients on the scale of the cross-entropy's
    whatever the temperature (Hinton et al., 2015). Cross-entropy is averaged over
    tokens with a gold label (not -100); a batch of unlabeled windows only has none,
    and then only the KL term counts.

    >>> t = torch.tensor([[[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]]])
    >>> loss, kl, ce = distillation_loss(t, t, torch.tensor([[0, -100]]), torch.tensor([[1, 0]]), 2.0, 1.0)
    >>> round(kl.item(), 6), round(loss.item(), 6)
    (0.0, 0.0)
    """
    student_logits = student_logits.float()
    keep = mask.bool()
    if keep.any():
        log_student = F.log_softmax(student_logits[keep] / temperature, dim=-1)
        log_teacher = F.log_softmax(teacher_logits[keep].float() / temperature, dim=-1)
        # batchmean on (tokens, classes): summed over classes, averaged over tokens
        kl = F.kl_div(log_student, log_teacher, log_target=True, reduction="batchmean")
    else:
        kl = student_logits.sum() * 0.0
    if (labels != IGNORE_INDEX).any():
        ce = F.cross_entropy(student_logits.reshape(-1, student_logits.shape[-1]), labels.reshape(-1), ignore_index=IGNORE_INDEX)
    else:
        ce = student_logits.sum() * 0.0
    loss = alpha * temperature**2 * kl + (1 - alpha) * ce
    return loss, kl.detach(), ce.detach()


class DistillTrainer(TaggingTrainer):
    """The training Trainer (character-tag evaluation, best checkpoint on dev gold) with :func:`distillation_loss`."""

    def __init__(self, *args, temperature: float, alpha: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.temperature, self.alpha = temperature, alpha
        # a per-batch mean: the Trainer divides it for gradient accumulation itself
        self.loss_is_scaled_for_ga = False

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        soft = inputs.pop("teacher_logits")
        mask = inputs.pop("distill_mask")
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        loss, _, _ = distillation_loss(outputs.logits, soft, labels, mask, self.temperature, self.alpha)
        return (loss, outputs) if return_outputs else loss


class DistillCollator:
    """Pads windows as :class:`DataCollatorForTokenClassification` does, and the teacher logits and KL mask alike."""

    def __init__(self, tokenizer):
        self.base = DataCollatorForTokenClassification(tokenizer)
        self.left = tokenizer.padding_side == "left"

    def __call__(self, features: list[dict]) -> dict:
        batch = self.base([{k: v for k, v in f.items() if k not in ("teacher_logits", "distill_mask")} for f in features])
        width = batch["input_ids"].shape[1]
        logits = torch.zeros((len(features), width, features[0]["teacher_logits"].shape[-1]), dtype=torch.float16)
        mask = torch.zeros((len(features), width), dtype=torch.long)
        for row, f in enumerate(features):
            n = len(f["distill_mask"])
            cols = slice(width - n, width) if self.left else slice(0, n)
            logits[row, cols] = f["teacher_logits"]
            mask[row, cols] = torch.tensor(f["distill_mask"])
        batch["teacher_logits"], batch["distill_mask"] = logits, mask
        return batch


