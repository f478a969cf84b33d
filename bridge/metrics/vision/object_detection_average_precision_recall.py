"""Placeholder for ``ignite.metrics.vision.object_detection_average_precision_recall``.

Importable, nothing implemented yet:
``bridge.metrics.vision.object_detection_average_precision_recall`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``coco_tensor_list_to_dict_list``, ``ObjectDetectionAvgPrecisionRecall``,
``CommonObjectDetectionMetrics``
"""
