"""Datasets and the DataLoader that batches them."""
from .dataloader import DataLoader
from .dataset import Dataset, TensorDataset
from .distributed import DistributedSampler

__all__ = ["DataLoader", "Dataset", "DistributedSampler", "TensorDataset"]
