"""Benchmarks: bridge against plain PyTorch, Ignite and Lightning. Run ``python -m benchmarks.run``."""
