"""Image transforms: what each does to a known image, reproducibility by seed, the dataset
wrapper, and digits/MNIST as (N, 1, H, W) images."""
import numpy as np
import pytest

import minidl as dl
from minidl.data import DataLoader, TensorDataset
from minidl.data.transforms import (
    Compose, Normalize, RandomAffine, RandomCrop, RandomHorizontalFlip, RandomRotation,
    TransformedDataset, affine_transform,
)


def dot_image(row=0, col=2, size=5):
    image = np.zeros((1, size, size), np.float32)
    image[0, row, col] = 1
    return dl.tensor(image)


def test_normalize_per_channel():
    image = dl.tensor(np.stack([np.full((2, 2), 3.0), np.full((2, 2), 5.0)]))
    out = Normalize([1.0, 1.0], [2.0, 4.0])(image).numpy()
    np.testing.assert_allclose(out[0], 1.0)
    np.testing.assert_allclose(out[1], 1.0)


def test_random_crop_is_a_shift_of_at_most_the_padding():
    crop = RandomCrop(5, padding=1, seed=0)
    seen = set()
    for _ in range(60):
        out = crop(dot_image(2, 2)).numpy()[0]
        assert out.sum() == 1
        row, col = np.argwhere(out == 1)[0]
        assert abs(row - 2) <= 1 and abs(col - 2) <= 1
        seen.add((row, col))
    assert len(seen) == 9  # every shift happens


def test_random_crop_rejects_a_crop_larger_than_the_padded_image():
    with pytest.raises(ValueError, match="RandomCrop: crop size"):
        RandomCrop(9, padding=1)(dot_image())


def test_horizontal_flip():
    flipped = RandomHorizontalFlip(p=1.0)(dot_image(0, 1)).numpy()[0]
    assert flipped[0, 3] == 1
    assert RandomHorizontalFlip(p=0.0)(dot_image()).numpy()[0, 0, 2] == 1


def test_affine_rotation_turns_counter_clockwise_and_translation_shifts():
    np.testing.assert_allclose(affine_transform(dot_image(0, 2), 90).numpy()[0, 2, 0], 1,
                               atol=1e-12)
    np.testing.assert_allclose(affine_transform(dot_image(0, 2), 0, (1, 0)).numpy()[0, 0, 3], 1)
    out = affine_transform(dot_image(0, 2), 0, (0, 1), fill=-1).numpy()[0]
    assert out[1, 2] == 1 and out[0, 0] == -1  # what moves in from outside is the fill
    zoomed = affine_transform(dl.tensor(np.ones((1, 5, 5))), 0, scale=0.5).numpy()[0]
    assert zoomed[2, 2] == 1 and zoomed[0, 0] == 0


def test_random_transforms_repeat_with_their_seed():
    image = dl.tensor(np.random.default_rng(0).random((1, 6, 6)))
    augment = lambda: Compose([RandomAffine(15, translate=(0.1, 0.1), scale=(0.9, 1.1), seed=3),
                               RandomRotation(5, seed=4)])
    first, second = augment(), augment()
    for _ in range(3):
        np.testing.assert_array_equal(first(image).numpy(), second(image).numpy())


def test_transformed_dataset_in_a_loader():
    images = dl.tensor(np.random.default_rng(0).random((10, 1, 4, 4)).astype(np.float32))
    labels = dl.tensor(np.arange(10))
    dataset = TransformedDataset(TensorDataset(images, labels), Normalize([0.5], [0.5]))
    batches = list(DataLoader(dataset, batch_size=4))
    assert batches[0][0].shape == (4, 1, 4, 4) and batches[0][0].dtype == dl.float32
    np.testing.assert_allclose(batches[0][0].numpy(), (images.numpy()[:4] - 0.5) / 0.5, rtol=1e-6)
    np.testing.assert_array_equal(batches[-1][1].numpy(), [8, 9])


def test_digits_as_images():
    X, y = dl.datasets.load_digits(as_images=True)
    flat, _ = dl.datasets.load_digits()
    assert X.shape == (1797, 1, 8, 8)
    np.testing.assert_array_equal(X.reshape(1797, 64), flat)
