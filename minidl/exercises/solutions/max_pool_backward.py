"""Exercise max_pool_backward: where the gradient of a max goes.

2x2 max pooling with stride 2 keeps the largest of each 2x2 block. A small change of a pixel
that is not its block's maximum does not change the output, so its gradient is 0; the maximum
passes the output's gradient on unchanged. ``max_pool_forward`` is given: it returns y and,
per output, which pixel of its block won (0..3, row by row: 0 top-left, 3 bottom-right).

Check with:  python -m minidl.exercises check max_pool_backward
"""
import numpy as np


def max_pool_forward(x):
    """x (N, C, H, W) with even H and W -> (y (N, C, H/2, W/2), argmax (N, C, H/2, W/2))."""
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    blocks = blocks.reshape(n, c, h // 2, w // 2, 4)
    return blocks.max(axis=-1), blocks.argmax(axis=-1)


def max_pool_backward(gy, argmax):
    """Return dx (N, C, H, W): gy[n, c, p, q] at the winning pixel of block (p, q), 0 elsewhere."""
    # BEGIN SOLUTION
    n, c, oh, ow = gy.shape
    blocks = np.zeros((n, c, oh, ow, 4), gy.dtype)
    np.put_along_axis(blocks, argmax[..., None], gy[..., None], axis=-1)
    blocks = blocks.reshape(n, c, oh, ow, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return blocks.reshape(n, c, 2 * oh, 2 * ow)
    # END SOLUTION
