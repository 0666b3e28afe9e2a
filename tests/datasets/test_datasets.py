import gzip

import numpy as np
import pytest

from minidl.datasets import load_digits, load_mnist


def test_digits_shape_dtype_range_and_classes():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    # Pixels are counts 0..16 divided by 16.
    assert np.array_equal(X * 16, np.round(X * 16))
    # The UCI test set's class counts.
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def _idx_bytes(magic, shape, values):
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in shape)
    return header + np.asarray(values, dtype=np.uint8).tobytes()


def _write_mnist(folder, split="train", n=3, gz=False):
    images = np.arange(n * 28 * 28).reshape(n, 28, 28) % 256
    labels = np.arange(n) % 10
    files = {
        f"{split}-images-idx3-ubyte": _idx_bytes(2051, (n, 28, 28), images),
        f"{split}-labels-idx1-ubyte": _idx_bytes(2049, (n,), labels),
    }
    for name, data in files.items():
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return images, labels


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("train", [True, False])
def test_mnist_reads_raw_and_gzipped_idx(tmp_path, gz, train):
    images, labels = _write_mnist(tmp_path, "train" if train else "t10k", gz=gz)
    X, y = load_mnist(tmp_path, train=train)
    assert X.shape == (3, 784) and X.dtype == np.float32
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 2]
    np.testing.assert_allclose(X, images.reshape(3, 784) / 255, rtol=1e-6)
    assert 0.0 <= X.min() and X.max() <= 1.0


def test_mnist_as_images(tmp_path):
    images, _ = _write_mnist(tmp_path)
    X, _ = load_mnist(tmp_path, as_images=True)
    assert X.shape == (3, 1, 28, 28)
    np.testing.assert_allclose(X[:, 0], images / 255, rtol=1e-6)


def test_mnist_missing_file_names_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(tmp_path, train=False)
    message = str(info.value)
    assert "t10k-images-idx3-ubyte" in message and "t10k-images-idx3-ubyte.gz" in message
    assert str(tmp_path) in message


def test_mnist_bad_magic_number(tmp_path):
    _write_mnist(tmp_path)
    # A label file where the image file should be.
    (tmp_path / "train-images-idx3-ubyte").write_bytes(_idx_bytes(2049, (3,), [0, 1, 2]))
    with pytest.raises(ValueError, match="magic number"):
        load_mnist(tmp_path)


def test_mnist_size_mismatch(tmp_path):
    _write_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(ValueError, match="header declares shape"):
        load_mnist(tmp_path)


def test_mnist_image_and_label_counts_must_match(tmp_path):
    _write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(_idx_bytes(2049, (2,), [0, 1]))
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        load_mnist(tmp_path)
