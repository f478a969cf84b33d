"""Placeholder for ``ignite.contrib.engines.common``.

Importable, nothing implemented yet: ``bridge.contrib.engines.common`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``setup_common_training_handlers``, ``empty_cuda_cache``, ``setup_any_logging``,
``gen_save_best_models_by_val_score``, ``save_best_model_by_val_score``,
``add_early_stopping_by_val_score``
"""
