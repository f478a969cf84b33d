"""Shared by the Ignite-style scripts: scikit-learn's digits (8x8 images, shipped with the package) and a small CNN."""

import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


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


def digits(n_train=384, n_val=128):
    x, y = load_digits(return_X_y=True)
    x = torch.tensor(x, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0
    y = torch.tensor(y)
    return TensorDataset(x[:n_train], y[:n_train]), TensorDataset(x[n_train : n_train + n_val], y[n_train : n_train + n_val])


def loaders(batch_size=32):
    train, val = digits()
    return DataLoader(train, batch_size=batch_size, shuffle=True), DataLoader(val, batch_size=2 * batch_size)
