"""Transforms of image tensors for data augmentation and normalisation (torchvision's names).

Each transform is a callable that takes one image, a (C, H, W) Tensor, and returns a new one;
``Compose`` chains them, and ``TransformedDataset`` applies one to the images of a dataset as
its samples are read, so that every epoch sees freshly drawn variations of each image::

    augment = transforms.Compose([transforms.RandomCrop(8, padding=1),
                                  transforms.RandomRotation(10),
                                  transforms.Normalize([0.3], [0.4])])
    loader = DataLoader(TransformedDataset(train_set, augment), batch_size=64, shuffle=True)

Random transforms draw from their own generator (``seed=``), so a run can be repeated. They
work on the host: augmentation is not differentiated, and a data pipeline feeds the device.
"""
import math

import numpy as np

from ..tensor import Tensor, tensor
from .dataset import Dataset


def _host(image, name):
    if not isinstance(image, Tensor) or image.ndim != 3:
        shape = image.shape if isinstance(image, Tensor) else type(image).__name__
        raise ValueError(f"{name}: expected an image Tensor (C, H, W), got {shape}")
    return image.numpy()


def _like(array, image):
    return tensor(array.astype(image.dtype, copy=False), device=image.device)


class Compose:
    """Apply transforms one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self):
        return "Compose(" + ", ".join(map(repr, self.transforms)) + ")"


class Normalize:
    """(image - mean[c]) / std[c] per channel."""

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1, 1, 1)
        self.std = np.asarray(std, dtype=np.float64).reshape(-1, 1, 1)
        if (self.std == 0).any():
            raise ValueError(f"Normalize: std must not be zero, got {std}")

    def __call__(self, image):
        return _like((_host(image, "Normalize") - self.mean) / self.std, image)

    def __repr__(self):
        return f"Normalize(mean={self.mean.ravel().tolist()}, std={self.std.ravel().tolist()})"


class _Random:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)


class RandomCrop(_Random):
    """Pad by ``padding`` pixels (with ``fill``), then cut a random ``size`` window: for
    size = the image's size, a random shift of up to ``padding`` pixels each way."""

    def __init__(self, size, padding=0, fill=0.0, seed=None):
        super().__init__(seed)
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.padding, self.fill = padding, fill

    def __call__(self, image):
        array = _host(image, "RandomCrop")
        p = self.padding
        padded = np.full((array.shape[0], array.shape[1] + 2 * p, array.shape[2] + 2 * p),
                         self.fill, array.dtype)
        padded[:, p : p + array.shape[1], p : p + array.shape[2]] = array
        height, width = self.size
        if padded.shape[1] < height or padded.shape[2] < width:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the padded "
                             f"image {padded.shape[1:]}")
        top = self.rng.integers(0, padded.shape[1] - height + 1)
        left = self.rng.integers(0, padded.shape[2] - width + 1)
        return _like(padded[:, top : top + height, left : left + width], image)

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip(_Random):
    """Mirror left-right with probability p (for objects, not for digits: a mirrored 2 is
    not a 2)."""

    def __init__(self, p=0.5, seed=None):
        super().__init__(seed)
        self.p = p

    def __call__(self, image):
        array = _host(image, "RandomHorizontalFlip")
        return _like(array[:, :, ::-1].copy(), image) if self.rng.random() < self.p else image

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


def affine_transform(image, angle=0.0, translate=(0.0, 0.0), scale=1.0, fill=0.0):
    """Rotate (degrees, counter-clockwise), scale about the centre, then shift (dx, dy)
    pixels, by inverse mapping: each output pixel reads the input at the point that lands on
    it, with bilinear interpolation; points outside the image read ``fill``."""
    array = _host(image, "affine_transform")
    channels, height, width = array.shape
    theta = math.radians(angle)
    cos, sin = math.cos(theta) / scale, math.sin(theta) / scale  # the inverse rotation-scale
    cy, cx = (height - 1) / 2, (width - 1) / 2
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    ys, xs = ys - cy - translate[1], xs - cx - translate[0]
    # image rows grow downwards, so a counter-clockwise turn on screen flips the sign of sin
    src_x = cos * xs - sin * ys + cx
    src_y = sin * xs + cos * ys + cy
    x0, y0 = np.floor(src_x).astype(int), np.floor(src_y).astype(int)
    fx, fy = src_x - x0, src_y - y0
    # a border of fill around the image: every point outside reads it, once clamped onto it
    padded = np.full((channels, height + 2, width + 2), fill, dtype=np.float64)
    padded[:, 1:-1, 1:-1] = array

    def at(y, x):
        return padded[:, np.minimum(np.maximum(y + 1, 0), height + 1),
                      np.minimum(np.maximum(x + 1, 0), width + 1)]

    out = ((1 - fy) * (1 - fx) * at(y0, x0) + (1 - fy) * fx * at(y0, x0 + 1)
           + fy * (1 - fx) * at(y0 + 1, x0) + fy * fx * at(y0 + 1, x0 + 1))
    return _like(out.reshape(channels, height, width), image)


class RandomAffine(_Random):
    """A random rotation in [-degrees, degrees], shift of up to translate * (W, H) pixels and
    scale in ``scale`` (a range), applied by ``affine_transform``."""

    def __init__(self, degrees, translate=None, scale=None, fill=0.0, seed=None):
        super().__init__(seed)
        self.degrees = (-degrees, degrees) if isinstance(degrees, (int, float)) else tuple(degrees)
        self.translate, self.scale, self.fill = translate, scale, fill

    def __call__(self, image):
        height, width = image.shape[1:]
        angle = self.rng.uniform(*self.degrees)
        shift = (0.0, 0.0)
        if self.translate is not None:
            shift = (self.rng.uniform(-1, 1) * self.translate[0] * width,
                     self.rng.uniform(-1, 1) * self.translate[1] * height)
        scale = self.rng.uniform(*self.scale) if self.scale is not None else 1.0
        return affine_transform(image, angle, shift, scale, self.fill)

    def __repr__(self):
        return f"RandomAffine(degrees={self.degrees}, translate={self.translate}, scale={self.scale})"


class RandomRotation(RandomAffine):
    """A random rotation in [-degrees, degrees] about the centre."""

    def __init__(self, degrees, fill=0.0, seed=None):
        super().__init__(degrees, fill=fill, seed=seed)


class TransformedDataset(Dataset):
    """``dataset``'s samples with ``transform`` applied to the first field (the image), each
    time a sample is read."""

    def __init__(self, dataset, transform):
        self.dataset, self.transform = dataset, transform

    def __getitem__(self, index):
        sample = self.dataset[index]
        if isinstance(sample, tuple):
            return (self.transform(sample[0]),) + tuple(sample[1:])
        return self.transform(sample)

    def __len__(self):
        return len(self.dataset)
