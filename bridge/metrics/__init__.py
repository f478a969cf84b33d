"""Placeholder for ``ignite.metrics``.

Importable, nothing implemented yet: ``bridge.metrics`` will hold the Ignite-compatible
implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``Metric``, ``Accuracy``, ``Loss``, ``MetricGroup``, ``MetricsLambda``,
``MeanAbsoluteError``, ``MeanPairwiseDistance``, ``MeanSquaredError``,
``MatthewsCorrCoef``, ``ConfusionMatrix``, ``CosineSimilarity``,
``ClassificationReport``, ``TopKCategoricalAccuracy``, ``Average``, ``DiceCoefficient``,
``Entropy``, ``EpochMetric``, ``Fbeta``, ``FID``, ``GeometricAverage``, ``IoU``,
``InceptionScore``, ``mIoU``, ``JaccardIndex``, ``JSDivergence``, ``KLDivergence``,
``HSIC``, ``MaximumMeanDiscrepancy``, ``MultiLabelConfusionMatrix``,
``MutualInformation``, ``Precision``, ``PSNR``, ``Recall``, ``RootMeanSquaredError``,
``RunningAverage``, ``VariableAccumulation``, ``Frequency``, ``SSIM``, ``Bleu``,
``CharacterErrorRate``, ``Rouge``, ``RougeN``, ``RougeL``, ``Perplexity``,
``regression``, ``clustering``, ``fairness``, ``AveragePrecision``, ``CohenKappa``,
``GpuInfo``, ``PrecisionRecallCurve``, ``RocCurve``, ``ROC_AUC``,
``MeanAveragePrecision``, ``ObjectDetectionAvgPrecisionRecall``,
``CommonObjectDetectionMetrics``, ``coco_tensor_list_to_dict_list``, ``HitRate``,
``NDCG``
"""
