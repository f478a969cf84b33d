"""Ignite's vision metrics (``ignite.metrics.vision``): COCO-style object detection AP/AR.

Example:
    >>> import torch
    >>> from bridge.metrics.vision import ObjectDetectionAvgPrecisionRecall
    >>> m = ObjectDetectionAvgPrecisionRecall(num_classes=1)
    >>> box = torch.tensor([[0.0, 0.0, 8.0, 8.0]])
    >>> m.update(([{"bbox": box, "scores": torch.tensor([0.7]), "labels": torch.tensor([0])}],
    ...           [{"bbox": box, "labels": torch.tensor([0])}]))
    >>> m.compute()
    (1.0, 1.0)
"""

from bridge.metrics.vision.object_detection_average_precision_recall import ObjectDetectionAvgPrecisionRecall

__all__ = ["ObjectDetectionAvgPrecisionRecall"]
