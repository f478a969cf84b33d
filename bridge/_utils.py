"""``ignite._utils``: the old home of four ``ignite.utils`` helpers, kept by Ignite for compatibility.

The names are the very functions of :mod:`bridge.utils`.

Example:
    >>> import torch
    >>> from bridge._utils import to_onehot
    >>> import bridge.utils
    >>> to_onehot is bridge.utils.to_onehot
    True
    >>> to_onehot(torch.tensor([1]), num_classes=2)
    tensor([[0, 1]], dtype=torch.uint8)
"""

from bridge.utils import apply_to_tensor, apply_to_type, convert_tensor, to_onehot

__all__ = ["apply_to_tensor", "apply_to_type", "convert_tensor", "to_onehot"]
