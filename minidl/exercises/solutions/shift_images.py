"""Exercise shift_images: data augmentation by shifting digits a pixel or two.

A handwritten 3 moved one pixel to the right is still a 3. Training on randomly shifted copies
teaches the network that, and helps it generalise. Write ``shift_images(images, dy, dx)`` for
a batch of square images stored as rows (N, side*side), as the digits are (side 8):

- reshape to (N, side, side);
- move the content down by ``dy`` rows and right by ``dx`` columns (negative: up / left);
- pixels moved in from outside are 0 (no wrap-around: ``np.roll`` wraps, so fix its edges or
  use slicing), pixels moved out are lost;
- reshape back to (N, side*side). ``dy`` and ``dx`` are ints, the same for the whole batch.

``random_shifts(images, max_shift, rng)`` then shifts each image by its own random (dy, dx) in
[-max_shift, max_shift]: that one is given.

Check with:  python -m minidl.exercises check shift_images
"""
import numpy as np


def shift_images(images, dy, dx):
    """Shift every image of ``images`` (N, side*side) down by dy and right by dx, zero-filled."""
    n, size = images.shape
    side = int(round(size**0.5))
    # BEGIN SOLUTION
    square = images.reshape(n, side, side)
    out = np.zeros_like(square)
    rows_to = slice(max(dy, 0), side + min(dy, 0))
    rows_from = slice(max(-dy, 0), side + min(-dy, 0))
    cols_to = slice(max(dx, 0), side + min(dx, 0))
    cols_from = slice(max(-dx, 0), side + min(-dx, 0))
    out[:, rows_to, cols_to] = square[:, rows_from, cols_from]
    return out.reshape(n, size)
    # END SOLUTION


def random_shifts(images, max_shift, rng):
    """Each image shifted by its own (dy, dx), uniform in [-max_shift, max_shift]."""
    out = np.empty_like(images)
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    for i, (dy, dx) in enumerate(shifts):
        out[i:i + 1] = shift_images(images[i:i + 1], int(dy), int(dx))
    return out
