"""Knowledge distillation as OFA's progressive shrinking does it.

The loss is cross-entropy against the teacher's softmax (OFA's
``cross_entropy_loss_with_soft_target``, its default ``kd_type='ce'``), added to the label
loss with weight ``kd_ratio``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def soft_cross_entropy(logits: torch.Tensor, teacher_logits: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of ``-sum softmax(teacher) * log_softmax(student)``."""
    target = F.softmax(teacher_logits.float(), dim=1)
    return torch.sum(-target * F.log_softmax(logits.float(), dim=1), dim=1).mean()
