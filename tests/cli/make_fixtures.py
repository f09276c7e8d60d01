#!/usr/bin/python3
"""Writes the kcell program's test inputs to OUT_DIR (run at test time, not committed).

cells.npz       28x28 grey "cells" of 4 classes a small CNN tells apart in a few epochs,
                imbalanced 8:4:2:1 like TissueMNIST's classes; train / val / test splits.
test_images.npy the test split's images, (N, 28, 28) uint8, for predict.
png/test_K.png  the first test images as grey PNGs; png/test_0_{rgb,16bit,palette,
                opaque_alpha}.png the first one in other encodings of the same grey
                values (RGB with R = G = B, 16 bits, a palette, grey + alpha); png/colour.png a colourful RGB PNG and
                colour_as_grey.npy Pillow's convert("L") of it, (1, 28, 28).
bad/            corrupt.png (PNG signature, then garbage), truncated.png (half a PNG),
                wrong_size.png (32x32), wrong_size.npy, not_a_model.kcell, classes.txt
                (three names for four classes); classes.txt four good names
"""
import io
import os
import sys
import zipfile

import numpy as np
from PIL import Image

SIZE = 28
CLASSES = 4


def cell(rng, label):
    """One image: a blurred shape per class, at a random place, with noise."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    cy, cx = rng.uniform(11, 17, size=2)
    r = np.hypot(y - cy, x - cx)
    if label == 0:      # small bright nucleus
        img = 220 * (r < rng.uniform(3, 4.5))
    elif label == 1:    # large dim cell
        img = 130 * (r < rng.uniform(8, 10))
    elif label == 2:    # ring
        radius = rng.uniform(6, 8)
        img = 200 * (np.abs(r - radius) < 1.6)
    else:               # two nuclei side by side
        d = rng.uniform(4, 6)
        img = 210 * ((np.hypot(y - cy, x - cx + d) < 3) | (np.hypot(y - cy, x - cx - d) < 3))
    img = img.astype(np.float32) + rng.normal(18, 10, size=(SIZE, SIZE))
    return np.clip(img, 0, 255).astype(np.uint8)


def split(rng, per_class):
    labels = np.concatenate([np.full(n, c) for c, n in enumerate(per_class)])
    rng.shuffle(labels)
    images = np.stack([cell(rng, int(c)) for c in labels])
    return images, labels.reshape(-1, 1).astype(np.uint8)


def png_bytes(array, mode):
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, format="PNG")
    return buffer.getvalue()


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(20240601)
    os.makedirs(os.path.join(out, "png"), exist_ok=True)
    os.makedirs(os.path.join(out, "bad"), exist_ok=True)

    arrays = {}
    for name, per_class in (("train", (160, 80, 40, 20)), ("val", (40, 20, 10, 10)),
                            ("test", (40, 20, 10, 10))):
        arrays[name + "_images"], arrays[name + "_labels"] = split(rng, per_class)
    np.savez_compressed(os.path.join(out, "cells.npz"), **arrays)
    test = arrays["test_images"]
    np.save(os.path.join(out, "test_images.npy"), test)

    for k in range(5):
        with open(os.path.join(out, "png", "test_%d.png" % k), "wb") as f:
            f.write(png_bytes(test[k], "L"))
    # The first test image in other PNG encodings that hold the same grey values.
    first = test[0]
    variants = {
        "rgb": Image.fromarray(np.repeat(first[:, :, None], 3, axis=2), "RGB"),
        "16bit": Image.fromarray(first.astype(np.uint16) * 257),
        "palette": Image.fromarray(first, "L").convert("P"),
        "opaque_alpha": Image.fromarray(np.stack([first, np.full_like(first, 255)], 2), "LA"),
    }
    for name, image in variants.items():
        image.save(os.path.join(out, "png", "test_0_%s.png" % name))
    colour = np.zeros((SIZE, SIZE, 3), np.uint8)
    colour[..., 0] = test[1]
    colour[..., 1] = np.flipud(test[2])
    colour[..., 2] = rng.integers(0, 256, size=(SIZE, SIZE))
    colour_png = png_bytes(colour, "RGB")
    with open(os.path.join(out, "png", "colour.png"), "wb") as f:
        f.write(colour_png)
    grey = np.asarray(Image.open(io.BytesIO(colour_png)).convert("L"))
    np.save(os.path.join(out, "colour_as_grey.npy"), grey[None])

    good_png = png_bytes(test[0], "L")
    with open(os.path.join(out, "bad", "corrupt.png"), "wb") as f:
        f.write(good_png[:8] + bytes(rng.integers(0, 256, size=200, dtype=np.uint8)))
    with open(os.path.join(out, "bad", "truncated.png"), "wb") as f:
        f.write(good_png[: len(good_png) // 2])
    with open(os.path.join(out, "bad", "wrong_size.png"), "wb") as f:
        f.write(png_bytes(np.zeros((32, 32), np.uint8), "L"))
    with open(os.path.join(out, "bad", "not_a_model.kcell"), "wb") as f:
        f.write(b"this is not a zip archive\n")
    np.save(os.path.join(out, "bad", "wrong_size.npy"), np.zeros((2, 32, 32), np.uint8))
    with open(os.path.join(out, "bad", "classes.txt"), "w") as f:
        f.write("nucleus\nlarge cell\nring\n")  # one name short of the 4 classes
    with open(os.path.join(out, "classes.txt"), "w") as f:
        f.write("small nucleus\nlarge cell\nring\ntwin nuclei\n")


if __name__ == "__main__":
    main()
