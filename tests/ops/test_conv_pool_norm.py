"""Convolution, pooling, batch/group norm, resizing: float64 gradchecks on both kernel sets,
outputs and gradients equal to PyTorch's, and the errors for bad input.

One table drives the gradcheck and the PyTorch comparison: each case calls the same function
name in ``minidl.nn.functional`` and ``torch.nn.functional`` with the same arguments.
"""
import numpy as np
import pytest

import minidl as dl
import minidl.nn.functional as F


def leaf(shape, seed, lib=dl):
    values = np.random.default_rng(seed).standard_normal(shape)
    if lib is dl:
        return dl.tensor(values, requires_grad=True)
    return lib.tensor(values, requires_grad=True)


# (id, function name, input shapes (None: no tensor), keyword arguments)
CASES = [
    ("conv2d", "conv2d", [(2, 3, 7, 6), (4, 3, 3, 2), (4,)], {}),
    ("conv2d_stride_pad_dil", "conv2d", [(2, 2, 9, 8), (3, 2, 3, 3), (3,)],
     dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1))),
    ("conv2d_groups", "conv2d", [(2, 4, 6, 6), (6, 2, 3, 3), None], dict(groups=2, padding=1)),
    ("conv2d_depthwise", "conv2d", [(1, 3, 5, 7), (6, 1, 3, 3), (6,)], dict(groups=3, stride=2)),
    ("conv2d_same_even_kernel", "conv2d", [(2, 2, 5, 6), (3, 2, 4, 2), (3,)],
     dict(padding="same", dilation=(1, 2))),
    ("conv2d_valid", "conv2d", [(1, 2, 5, 5), (2, 2, 3, 3), None], dict(padding="valid")),
    ("conv1d", "conv1d", [(2, 3, 11), (4, 3, 3), (4,)], dict(stride=2, padding=1, dilation=2)),
    ("conv1d_same", "conv1d", [(2, 2, 8), (2, 1, 4), None], dict(padding="same", groups=2)),
    ("conv_transpose2d", "conv_transpose2d", [(2, 3, 4, 5), (3, 2, 3, 3), (2,)],
     dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose2d_groups", "conv_transpose2d", [(1, 4, 3, 3), (4, 3, 2, 3), (6,)],
     dict(groups=2, dilation=(2, 1))),
    ("max_pool2d", "max_pool2d", [(2, 3, 7, 6)], dict(kernel_size=2)),
    ("max_pool2d_all_options", "max_pool2d", [(2, 2, 9, 8)],
     dict(kernel_size=(3, 2), stride=(2, 3), padding=1, dilation=(2, 1), ceil_mode=True)),
    ("max_pool1d", "max_pool1d", [(2, 3, 10)], dict(kernel_size=3, stride=2, padding=1)),
    ("avg_pool2d", "avg_pool2d", [(2, 3, 6, 6)], dict(kernel_size=2)),
    ("avg_pool2d_pad_ceil", "avg_pool2d", [(2, 2, 7, 8)],
     dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool2d_exclude_pad", "avg_pool2d", [(2, 2, 7, 8)],
     dict(kernel_size=(3, 2), stride=(2, 3), padding=1, ceil_mode=True, count_include_pad=False)),
    ("adaptive_avg_pool2d", "adaptive_avg_pool2d", [(2, 3, 7, 5)], dict(output_size=(3, 2))),
    ("adaptive_avg_pool2d_1", "adaptive_avg_pool2d", [(2, 3, 4, 4)], dict(output_size=1)),
    ("interpolate_nearest", "interpolate", [(2, 2, 3, 4)], dict(size=(5, 7))),
    ("interpolate_nearest_scale", "interpolate", [(1, 2, 3, 4)], dict(scale_factor=2)),
    ("interpolate_bilinear", "interpolate", [(2, 2, 3, 4)], dict(size=(5, 9), mode="bilinear",
                                                                 align_corners=False)),
    ("interpolate_bilinear_corners", "interpolate", [(1, 2, 4, 3)],
     dict(scale_factor=(1.5, 2), mode="bilinear", align_corners=True)),
    ("interpolate_bilinear_down", "interpolate", [(1, 1, 6, 7)], dict(size=(4, 3), mode="bilinear")),
    ("group_norm", "group_norm", [(3, 6, 4, 2), (6,), (6,)], dict(num_groups=3)),
    ("group_norm_no_affine", "group_norm", [(2, 4, 5), None, None], dict(num_groups=2)),
]


def call(lib_functional, name, tensors, kwargs):
    if name == "group_norm":
        x, w, b = tensors
        return lib_functional.group_norm(x, kwargs["num_groups"], w, b)
    return getattr(lib_functional, name)(*tensors, **kwargs)


def make_inputs(shapes, lib=dl):
    return [None if shape is None else leaf(shape, seed, lib) for seed, shape in enumerate(shapes)]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(case, kernels):
    _, name, shapes, kwargs = case
    inputs = make_inputs(shapes)
    present = [t for t in inputs if t is not None]

    def fn(*tensors):
        it = iter(tensors)
        return call(F, name, [None if t is None else next(it) for t in inputs], kwargs)

    assert dl.gradcheck(fn, present)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_pytorch(case, kernels):
    torch = pytest.importorskip("torch")
    _, name, shapes, kwargs = case
    ours, theirs = make_inputs(shapes), make_inputs(shapes, torch)
    y = call(F, name, ours, kwargs)
    expected = call(torch.nn.functional, name, theirs, kwargs)
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = np.random.default_rng(99).standard_normal(expected.shape)
    y.backward(dl.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for mine, reference in zip(ours, theirs):
        if mine is not None:
            np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-9,
                                       atol=1e-11)


def test_max_pool2d_return_indices_match_pytorch(kernels):
    torch = pytest.importorskip("torch")
    x = leaf((2, 3, 7, 9), 0)
    args = dict(kernel_size=3, stride=2, padding=1, dilation=(1, 2), ceil_mode=True)
    y, indices = F.max_pool2d(x, return_indices=True, **args)
    _, expected = torch.nn.functional.max_pool2d(torch.tensor(x.numpy()), return_indices=True,
                                                 **args)
    assert indices.dtype == dl.int64
    np.testing.assert_array_equal(indices.numpy(), expected.numpy())
    with dl.no_grad():
        _, again = F.max_pool2d(x, return_indices=True, **args)
    np.testing.assert_array_equal(again.numpy(), expected.numpy())


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 2)])
def test_batch_norm_matches_pytorch(training, shape, kernels):
    torch = pytest.importorskip("torch")
    x, w, b = make_inputs([shape, (3,), (3,)])
    tx, tw, tb = make_inputs([shape, (3,), (3,)], torch)
    rng = np.random.default_rng(5)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    running = [dl.tensor(mean), dl.tensor(var)]
    t_running = [torch.tensor(mean), torch.tensor(var)]
    y = F.batch_norm(x, *running, w, b, training=training, momentum=0.3, eps=1e-4)
    expected = torch.nn.functional.batch_norm(tx, *t_running, tw, tb, training=training,
                                              momentum=0.3, eps=1e-4)
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    for got, want in zip(running, t_running):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    upstream = rng.standard_normal(shape)
    y.backward(dl.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for mine, reference in zip((x, w, b), (tx, tw, tb)):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-9,
                                   atol=1e-11)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(training, kernels):
    x, w, b = make_inputs([(4, 3, 5), (3,), (3,)])
    running_mean, running_var = dl.zeros(3, dtype=dl.float64), dl.ones(3, dtype=dl.float64) * 2

    def fn(x, w, b):
        return F.batch_norm(x, running_mean, running_var, w, b, training=training, eps=1e-3)

    assert dl.gradcheck(fn, [x, w, b])


def test_batch_norm_without_affine_or_running_stats(kernels):
    x = leaf((5, 2, 3), 0)
    y = F.batch_norm(x, None, None, training=True)
    np.testing.assert_allclose(y.numpy().mean(axis=(0, 2)), 0, atol=1e-12)
    assert dl.gradcheck(lambda t: F.batch_norm(t, None, None, training=True, eps=1e-3), [x])


def test_dropout2d_zeroes_whole_channels():
    dl.manual_seed(0)
    x = dl.ones(8, 16, 3, 3, requires_grad=True)
    y = F.dropout2d(x, p=0.5)
    values = y.numpy().reshape(8, 16, 9)
    assert set(np.unique(values)) <= {0.0, 2.0}
    assert (values.min(axis=2) == values.max(axis=2)).all()  # one decision per channel
    assert 0.2 < (values[:, :, 0] == 0).mean() < 0.8
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())
    assert F.dropout2d(x, 0.5, training=False) is x


def test_float32_stays_float32(kernels):
    x = dl.randn(2, 3, 8, 8)
    w = dl.randn(4, 3, 3, 3)
    for y in (F.conv2d(x, w, padding=1), F.max_pool2d(x, 2), F.avg_pool2d(x, 2),
              F.adaptive_avg_pool2d(x, 1), F.interpolate(x, scale_factor=2, mode="bilinear"),
              F.batch_norm(x, None, None, training=True), F.group_norm(x, 3)):
        assert y.dtype == dl.float32


@pytest.mark.parametrize("call_, message", [
    (lambda: F.conv2d(dl.randn(3, 8, 8), dl.randn(4, 3, 3, 3)),
     r"conv2d: expected a 4-D input \(N, C, H, W\), got shape \(3, 8, 8\)"),
    (lambda: F.conv2d(dl.randn(2, 5, 8, 8), dl.randn(4, 3, 3, 3)),
     r"conv2d: input shape \(2, 5, 8, 8\) has 5 channels, but weight shape \(4, 3, 3, 3\)"),
    (lambda: F.conv2d(dl.randn(2, 3, 2, 8), dl.randn(4, 3, 3, 3)),
     r"conv2d: input shape \(2, 3, 2, 8\) padded to 2 along H is smaller than the kernel"),
    (lambda: F.conv2d(dl.randn(2, 4, 8, 8), dl.randn(4, 2, 3, 3), groups=3),
     r"conv2d: 4 input channels .* not divisible by groups=3"),
    (lambda: F.conv1d(dl.randn(2, 3, 8, 8), dl.randn(4, 3, 3)),
     r"conv1d: expected a 3-D input \(N, C, L\)"),
    (lambda: F.max_pool2d(dl.randn(1, 1, 2, 2), 3),
     r"max_pool2d: input shape \(1, 1, 2, 2\) padded by \(0, 0\) is smaller than the kernel"),
    (lambda: F.max_pool2d(dl.randn(1, 1, 2, 1), (1, 2), 1, (0, 1), (1, 2)),
     r"max_pool2d: .* a window falls entirely in the padding"),
    (lambda: F.conv_transpose2d(dl.randn(1, 2, 4, 4), dl.randn(3, 2, 3, 3)),
     r"conv_transpose2d: input shape \(1, 2, 4, 4\) has 2 channels, but weight shape"),
    (lambda: F.batch_norm(dl.randn(4, 3), dl.zeros(2), dl.ones(2)),
     r"batch_norm: input shape \(4, 3\) has 3 channels but running_mean has shape \(2,\)"),
])
def test_bad_input_raises_runtime_error(call_, message):
    with pytest.raises(RuntimeError, match=message):
        call_()
