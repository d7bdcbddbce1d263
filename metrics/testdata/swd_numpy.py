"""Independent NumPy SWD (Karras et al.'s sliced_wasserstein.py) for metrics' tests.

Usage: python3 swd_numpy.py DIR. DIR holds, from the Go test:
  meta.json           {"levels": L, "repeats": R, "dirs": D}
  images_<set>.npy    uint8 [N, H, W, 3], set in {real, fake}
  centres_<set>_l<l>.npy  int64 [n, 3]: image, x, y of every descriptor used, in order
  dirs_l<l>.npy       float64 [R, 147, D]: the unit directions of each repeat
Prints JSON {"levels": [...], "repeats": [[...]], "avg": x}: SWD x1e3.

The pyramid, descriptors, normalisation, projections, sorting and distance are computed
here from the images; only the random draws come from Go.
"""
import json
import os
import sys

import numpy as np

K = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16


def blur(x, gain):
    """5x5 binomial blur over the last two axes of float32 x, scipy 'mirror' borders (numpy
    'reflect'); sums in float64, rounded to float32 once."""
    h, w = x.shape[-2:]
    keep = ((0, 0),) * (x.ndim - 2)
    p = np.pad(x.astype(np.float64), keep + ((0, 0), (2, 2)), mode="reflect")
    t = sum(K[k] * p[..., k:k + w] for k in range(5))
    p = np.pad(t, keep + ((2, 2), (0, 0)), mode="reflect")
    s = sum(K[k] * p[..., k:k + h, :] for k in range(5))
    return (s * gain).astype(np.float32)


def laplacian(img, levels):
    """Levels G_i - pyr_up(G_{i+1}) of img [..., H, W], finest first; the last is G_{levels-1}."""
    out, g = [], img
    for _ in range(levels - 1):
        nxt = blur(g, 1)[..., ::2, ::2]
        z = np.zeros_like(g)
        z[..., ::2, ::2] = nxt
        out.append(g - blur(z, 4))
        g = nxt
    return out + [g]


def descriptors(level, centres):
    """7x7x3 neighbourhoods of level [N, 3, H, W] around centres (image, x, y), indexed as
    Karras's get_descriptors_for_minibatch: [n, channel, x offset, y offset]."""
    _, c, h, w = level.shape
    _, chan, dx, dy = np.ogrid[0:len(centres), 0:c, -3:4, -3:4]
    img, x, y = (centres[:, k].reshape(-1, 1, 1, 1) for k in range(3))
    return level.flat[((img * c + chan) * h + y + dy) * w + x + dx]


def normalise(d):
    """Per-channel mean and std (ddof 0) over (descriptor, x, y); std 0 only centres."""
    d = d.astype(np.float64)
    mean = d.mean(axis=(0, 2, 3), keepdims=True)
    std = d.std(axis=(0, 2, 3), keepdims=True)
    std[std == 0] = 1
    return ((d - mean) / std).reshape(len(d), -1)


def sliced(a, b, dirs):
    """Mean |sorted(a·dir) - sorted(b·dir)| x1e3 for each repeat's directions."""
    reps = []
    for d in dirs:
        pa, pb = np.sort(a @ d, axis=0), np.sort(b @ d, axis=0)
        reps.append(float(np.mean(np.abs(pa - pb))) * 1e3)
    return reps


def main(path):
    meta = json.load(open(os.path.join(path, "meta.json")))
    L = meta["levels"]
    pyrs = {}
    for s in ("real", "fake"):
        imgs = np.load(os.path.join(path, f"images_{s}.npy")).astype(np.float32)
        pyrs[s] = laplacian(imgs.transpose(0, 3, 1, 2), L)  # levels of [N, 3, h, w]
    levels, repeats = [], []
    for l in range(L):
        d = {}
        for s in ("real", "fake"):
            c = np.load(os.path.join(path, f"centres_{s}_l{l}.npy"))
            d[s] = normalise(descriptors(pyrs[s][l], c))
        reps = sliced(d["real"], d["fake"], np.load(os.path.join(path, f"dirs_l{l}.npy")))
        repeats.append(reps)
        levels.append(float(np.mean(reps)))
    print(json.dumps({"levels": levels, "repeats": repeats, "avg": float(np.mean(levels))}))


if __name__ == "__main__":
    main(sys.argv[1])
