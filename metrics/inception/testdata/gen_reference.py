"""Reference outputs of pytorch-fid's FID Inception-v3 for the Go port, with synthetic weights.

Needs PyTorch, torchvision, numpy, safetensors. Run: python3 gen_reference.py OUTDIR.

The network is torchvision's inception_v3(num_classes=1008, aux_logits=False) with the
FID patches of pytorch-fid (count_include_pad=False average pools in Mixed_5b-5d, 6b-6e and
7b; a max pool in Mixed_7c's pool branch), run as pytorch-fid's InceptionV3 wrapper does
(bilinear resize to 299 with align_corners=False, 2x-1, blocks 0-3, final average pool).
The real FID weights are not downloaded: every state_dict entry is filled by a hash of its
name that inception_test.go reproduces bit for bit (hashedTensor). Outputs:
  reference.safetensors  features64.img<k> (float64 model), features32.img<k> (float32 model)
  reference.json         state_dict keys/shapes/dtypes, weight and pixel spot checks
  blocks.safetensors     block outputs and the resized input of img0, for debugging
"""
import copy, json, math, struct, sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from safetensors.torch import save_file
from torch import nn
from torchvision.models import inception as tvi

M32 = 0xFFFFFFFF
IMAGES = [(3, 32, 32), (3, 299, 299), (3, 80, 64)]


def fnv1a(s):
    h = 0x811C9DC5
    for b in s.encode():
        h = ((h ^ b) * 0x01000193) & M32
    return h


def hash_raw(name, n):
    """uint32 murmur3-finalised hashes of i*golden + fnv1a(name), i < n."""
    x = (((np.arange(n, dtype=np.uint64) * 0x9E3779B1) & M32) + fnv1a(name)) & M32
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & M32
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & M32
    x ^= x >> 16
    return x


def hash_raw_py(name, n):
    out = []
    for i in range(n):
        x = (((i * 0x9E3779B1) & M32) + fnv1a(name)) & M32
        x ^= x >> 16
        x = (x * 0x85EBCA6B) & M32
        x ^= x >> 13
        x = (x * 0xC2B2AE35) & M32
        x ^= x >> 16
        out.append(x)
    return out


def hashed_tensor(name, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    if name.endswith("num_batches_tracked"):
        return np.zeros(shape, dtype=np.int64)
    u = ((hash_raw(name, n) % 2001).astype(np.int64) - 1000).astype(np.float32)
    one = np.float32(1)
    if name.endswith("conv.weight"):
        fan = int(np.prod(shape[1:]))
        v = u * np.float32(math.sqrt(2.0 / fan) * math.sqrt(3.0) / 1000.0)
    elif name == "fc.weight":
        v = u * np.float32(math.sqrt(1.0 / 2048) * math.sqrt(3.0) / 1000.0)
    elif name == "fc.bias":
        v = u * np.float32(2.0 ** -16)
    elif name.endswith("bn.weight"):
        v = one + u * np.float32(2.0 ** -12)
    elif name.endswith("bn.running_var"):
        v = one + u * np.float32(2.0 ** -11)
    elif name.endswith("bn.bias") or name.endswith("bn.running_mean"):
        v = u * np.float32(2.0 ** -12)
    else:
        raise KeyError(name)
    return v.astype(np.float32).reshape(shape)


def image(k):
    c, h, w = IMAGES[k]
    x = hash_raw(f"image{k}", c * h * w)
    return ((x % 1001).astype(np.float32) / np.float32(1000)).reshape(1, c, h, w)


def avg3(x):
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class FIDInceptionA(tvi.InceptionA):
    def forward(self, x):
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([b1, b5, b3, self.branch_pool(avg3(x))], 1)


class FIDInceptionC(tvi.InceptionC):
    def forward(self, x):
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = x
        for conv in [self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5]:
            d = conv(d)
        return torch.cat([b1, b7, d, self.branch_pool(avg3(x))], 1)


class FIDInceptionE(tvi.InceptionE):
    def __init__(self, in_channels, max_pool):
        super().__init__(in_channels)
        self.use_max_pool = max_pool

    def forward(self, x):
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        p = F.max_pool2d(x, kernel_size=3, stride=1, padding=1) if self.use_max_pool else avg3(x)
        return torch.cat([b1, b3, d, self.branch_pool(p)], 1)


def fid_inception():
    m = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False, num_classes=1008)
    m.Mixed_5b = FIDInceptionA(192, pool_features=32)
    m.Mixed_5c = FIDInceptionA(256, pool_features=64)
    m.Mixed_5d = FIDInceptionA(288, pool_features=64)
    m.Mixed_6b = FIDInceptionC(768, channels_7x7=128)
    m.Mixed_6c = FIDInceptionC(768, channels_7x7=160)
    m.Mixed_6d = FIDInceptionC(768, channels_7x7=160)
    m.Mixed_6e = FIDInceptionC(768, channels_7x7=192)
    m.Mixed_7b = FIDInceptionE(1280, max_pool=False)
    m.Mixed_7c = FIDInceptionE(2048, max_pool=True)
    sd = {k: torch.from_numpy(hashed_tensor(k, tuple(v.shape))) for k, v in m.state_dict().items()}
    m.load_state_dict(sd)
    return m.eval()


def blocks(m):
    return [
        [m.Conv2d_1a_3x3, m.Conv2d_2a_3x3, m.Conv2d_2b_3x3, nn.MaxPool2d(3, 2)],
        [m.Conv2d_3b_1x1, m.Conv2d_4a_3x3, nn.MaxPool2d(3, 2)],
        [m.Mixed_5b, m.Mixed_5c, m.Mixed_5d, m.Mixed_6a, m.Mixed_6b, m.Mixed_6c, m.Mixed_6d, m.Mixed_6e],
        [m.Mixed_7a, m.Mixed_7b, m.Mixed_7c, nn.AdaptiveAvgPool2d(1)],
    ]


@torch.no_grad()
def run(m, img):
    x = F.interpolate(img, size=(299, 299), mode="bilinear", align_corners=False)
    outs = [x]
    x = 2 * x - 1
    for b in blocks(m):
        for layer in b:
            x = layer(x)
        outs.append(x)
    return outs


def bits(a):
    return [struct.unpack("<I", struct.pack("<f", float(v)))[0] for v in np.asarray(a, dtype=np.float32).reshape(-1)[:8]]


def main(outdir):
    torch.set_num_threads(16)
    assert list(hash_raw("check", 1000)) == hash_raw_py("check", 1000)
    m32 = fid_inception()
    m64 = copy.deepcopy(m32).double()
    sd = m32.state_dict()
    ref, dbg = {}, {}
    for k in range(len(IMAGES)):
        img = torch.from_numpy(image(k))
        o32, o64 = run(m32, img), run(m64, img.double())
        ref[f"features32.img{k}"] = o32[-1].reshape(-1).contiguous()
        ref[f"features64.img{k}"] = o64[-1].reshape(-1).contiguous()
        if k == 0:
            for i, o in enumerate(o64):
                dbg[f"block{i - 1}" if i else "resized"] = o[0].float().contiguous()
        err = (o32[-1] - o64[-1]).abs().max().item() / o64[-1].abs().max().item()
        print(f"img{k} {IMAGES[k]}: features max {o64[-1].abs().max().item():.4g}, float32 vs float64 max rel err {err:.3g}")
    save_file(ref, f"{outdir}/reference.safetensors")
    save_file(dbg, f"{outdir}/blocks.safetensors")
    spots = ["Conv2d_1a_3x3.conv.weight", "Mixed_7c.branch_pool.bn.running_var", "Mixed_6b.branch7x7dbl_3.bn.weight", "fc.bias"]
    info = {
        "torch": torch.__version__, "torchvision": torchvision.__version__, "images": IMAGES,
        "keys": [[k, list(v.shape), str(v.dtype)] for k, v in sd.items()],
        "weight_bits": {k: bits(sd[k].numpy()) for k in spots},
        "image0_bits": bits(image(0)),
    }
    json.dump(info, open(f"{outdir}/reference.json", "w"), indent=1)
    print("keys", len(info["keys"]), "params", sum(v.numel() for v in sd.values()))


main(sys.argv[1])
