"""Shared by the Ignite-style scripts: scikit-learn's digits (8x8 images, shipped with the package) and a small CNN."""

import gzip
import importlib.util
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return F.log_softmax(self.fc2(x), dim=-1)


def load_digits():
    """scikit-learn's ``load_digits(return_X_y=True)``, read from its file without importing scikit-learn
    (about 1.5 s of every script's start)."""
    package = Path(importlib.util.find_spec("sklearn").submodule_search_locations[0])
    with gzip.open(package / "datasets" / "data" / "digits.csv.gz", "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    return data[:, :-1], data[:, -1].astype(int)


def digits(n_train=384, n_val=128):
    x, y = load_digits()
    x = torch.tensor(x, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0
    y = torch.tensor(y)
    return TensorDataset(x[:n_train], y[:n_train]), TensorDataset(x[n_train : n_train + n_val], y[n_train : n_train + n_val])


def loaders(batch_size=32):
    train, val = digits()
    return DataLoader(train, batch_size=batch_size, shuffle=True), DataLoader(val, batch_size=2 * batch_size)


class NoisyDigits(Dataset):
    """Random augmentation drawn from torch's generator: a resumed run must replay it."""

    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    def __getitem__(self, i):
        x, y = self.base[i]
        return x + 0.1 * torch.randn_like(x), y
