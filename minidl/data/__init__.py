"""Datasets and the DataLoader that batches them."""
from .dataloader import DataLoader
from .dataset import Dataset, TensorDataset

__all__ = ["DataLoader", "Dataset", "TensorDataset"]
