"""Checks this folder's files against real PyTorch and writes files made by torch.save.

Run with PyTorch installed: python3 check_torch.py OUTDIR (from this folder).
  * torch.load(weights_only=True) of gen.py's files must give expected.json, and of
    go_written.pth (written by torchpt.Write) the values of goldenTensors in torchpt_test.go.
  * OUTDIR gets torch_zip.pth, torch_legacy.pth (the same object in both formats),
    torch_param.pth (a bare nn.Parameter) and torch_expected.json (their contiguous values).
"""
import collections, json, struct, sys

import torch
from torch import nn

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
          torch.uint8: "U8", torch.bool: "BOOL"}


def describe(t):
    d = {"dtype": DTYPES[t.dtype], "shape": list(t.shape)}
    flat = t.contiguous().reshape(-1)
    if t.dtype.is_floating_point:
        d["float32_bits"] = [struct.unpack("<I", struct.pack("<f", v))[0] for v in flat.float().tolist()]
    else:
        d["int64"] = [int(v) for v in flat.long().tolist()]
    return d


def flatten(prefix, v, out):
    if isinstance(v, torch.Tensor):
        out[prefix] = describe(v)
    elif isinstance(v, dict):
        for k, x in v.items():
            flatten(f"{prefix}.{k}" if prefix else str(k), x, out)
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            flatten(f"{prefix}.{i}" if prefix else str(i), x, out)
    return out


def check(name, got, want):
    bad = [k for k in set(got) | set(want) if got.get(k) != want.get(k)]
    print(f"{name}: {len(got)} tensors, {'OK' if not bad and list(got) == list(want) else 'MISMATCH ' + repr(bad)}")
    return not bad


def main(outdir):
    ok = True
    exp = json.load(open("expected.json"))
    for f in ["zip_little.pth", "zip_big.pth", "legacy_little.pth", "legacy_behost.pth"]:
        got = flatten("", torch.load(f, weights_only=True), {})
        ok &= check(f, got, {k: exp["state"][k] for k in exp["order"]})
    ok &= check("legacy_view.pth", flatten("", torch.load("legacy_view.pth", weights_only=True), {}), exp["view"])
    golden = collections.OrderedDict([
        ("conv.weight", torch.tensor([0.5, -1.25, 3, 2.0 ** -66, -0.0, 65504]).reshape(2, 3, 1, 1)),
        ("bn.num_batches_tracked", torch.tensor(5)),
        ("fc.bias", torch.tensor([1.0, 2, 3])),
        ("big", torch.tensor([-(1 << 40), (1 << 62) + 1])),
        ("empty", torch.zeros(0)),
    ])
    got = torch.load("go_written.pth", weights_only=True)
    print("go_written.pth type:", type(got).__name__)
    ok &= check("go_written.pth", flatten("", got, {}), flatten("", golden, {}))

    torch.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(5, 2))
    m[1].num_batches_tracked += 3
    x = torch.randn(4, 6)
    obj = {
        "model": m.state_dict(),
        "epoch": 7,
        "extra": collections.OrderedDict(
            t=x.t(), sl=x[1:3, 2:5], half=x.half(), bf16=x.bfloat16(), f64=x.double(),
            i64=torch.arange(-3, 3), i32=torch.arange(-3, 3).int(), i16=torch.tensor([-32768, 5], dtype=torch.int16),
            i8=torch.tensor([-128, 127], dtype=torch.int8), u8=torch.tensor([0, 255, 7], dtype=torch.uint8),
            b=torch.tensor([True, False, True]), scalar=torch.tensor(3.5), exp=torch.arange(3.0).expand(4, 3),
            empty=torch.zeros(0, 3)),
        "list": [torch.ones(2)],
    }
    torch.save(obj, f"{outdir}/torch_zip.pth")
    torch.save(obj, f"{outdir}/torch_legacy.pth", _use_new_zipfile_serialization=False)
    param = nn.Parameter(torch.randn(2, 3))
    torch.save(param, f"{outdir}/torch_param.pth")
    exp = flatten("", obj, {})
    json.dump({"state": exp, "order": list(exp), "param": {"": describe(param.detach())},
               "torch": torch.__version__}, open(f"{outdir}/torch_expected.json", "w"), indent=1)
    print("torch", torch.__version__, "all checks", "OK" if ok else "FAILED")


main(sys.argv[1])
