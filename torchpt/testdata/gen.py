"""Writes the torch.save test files of this folder without PyTorch.

Stand-in classes named like torch's (torch.FloatStorage, torch._utils._rebuild_tensor_v2,
...) are pickled by Python's own pickle module with the persistent ids, stream layout and
zip layout of torch/serialization.py (_legacy_save and _save). expected.json holds the
contiguous values each tensor must load as. Run: python3 gen.py (from this folder).
"""
import collections, io, json, pickle, struct, sys, types, zipfile

torch = types.ModuleType("torch")
utils = types.ModuleType("torch._utils")
torch._utils = utils
sys.modules["torch"], sys.modules["torch._utils"] = torch, utils

# name -> (struct format, element size, dtype name)
STORAGES = {
    "FloatStorage": ("f", 4, "F32"), "DoubleStorage": ("d", 8, "F64"), "HalfStorage": ("e", 2, "F16"),
    "BFloat16Storage": (None, 2, "BF16"), "LongStorage": ("q", 8, "I64"), "IntStorage": ("i", 4, "I32"),
    "ShortStorage": ("h", 2, "I16"), "CharStorage": ("b", 1, "I8"), "ByteStorage": ("B", 1, "U8"),
    "BoolStorage": ("?", 1, "BOOL"),
}


class Storage:
    def __init__(self, values):
        self.values = list(values)

    def raw(self, order):
        fmt = STORAGES[type(self).__name__][0]
        if fmt is None:  # bfloat16: top half of the float32 bits
            return b"".join(struct.pack(order + "H", struct.unpack("<I", struct.pack("<f", v))[0] >> 16) for v in self.values)
        return b"".join(struct.pack(order + fmt, v) for v in self.values)

    def decoded(self):
        fmt = STORAGES[type(self).__name__][0]
        return [struct.unpack("<" + (fmt or "e"), struct.pack("<" + (fmt or "e"), v))[0] if fmt else v for v in self.values]


for _name in STORAGES:
    _cls = type(_name, (Storage,), {"__module__": "torch"})
    setattr(torch, _name, _cls)


def _rebuild_tensor_v2(*a):
    raise RuntimeError("never called")


def _rebuild_parameter(*a):
    raise RuntimeError("never called")


_rebuild_tensor_v2.__module__ = _rebuild_parameter.__module__ = "torch._utils"
utils._rebuild_tensor_v2, utils._rebuild_parameter = _rebuild_tensor_v2, _rebuild_parameter


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def __reduce_ex__(self, proto):
        return (_rebuild_tensor_v2, (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict()))

    def values(self):
        vals, out = self.storage.decoded(), []

        def rec(d, at):
            if d == len(self.size):
                out.append(vals[at])
                return
            for i in range(self.size[d]):
                rec(d + 1, at + i * self.stride[d])

        rec(0, self.offset)
        return out


class Parameter(Tensor):
    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (Tensor(self.storage, self.offset, self.size, self.stride), True, collections.OrderedDict()))


def state():
    a = torch.FloatStorage([0.5 * i - 2 for i in range(11)] + [1 / 3])
    sd = collections.OrderedDict()
    sd["conv.weight"] = Tensor(a, 0, (3, 4), (4, 1))
    sd["conv.weight_t"] = Tensor(a, 0, (4, 3), (1, 4))
    sd["slice"] = Tensor(a, 5, (2, 2), (4, 1))
    sd["scalar"] = Tensor(a, 7, (), ())
    sd["expand"] = Tensor(a, 1, (3, 2), (0, 1))
    sd["half"] = Tensor(torch.HalfStorage([1.0, -2.5, 65504.0, 2.0 ** -14, 2.0 ** -24, float("inf")]), 0, (6,), (1,))
    sd["bf16"] = Tensor(torch.BFloat16Storage([1.5, -2.25, 0.0078125, 2.0 ** 127]), 0, (2, 2), (2, 1))
    sd["double"] = Tensor(torch.DoubleStorage([0.1, -3.75]), 0, (2,), (1,))
    sd["long"] = Tensor(torch.LongStorage([-1, 2 ** 40, 7]), 0, (3,), (1,))
    sd["int"] = Tensor(torch.IntStorage([-5, 2 ** 31 - 1]), 0, (2,), (1,))
    sd["short"] = Tensor(torch.ShortStorage([-32768, 3]), 0, (2,), (1,))
    sd["char"] = Tensor(torch.CharStorage([-128, 127]), 0, (2,), (1,))
    sd["byte"] = Tensor(torch.ByteStorage([0, 255, 7]), 0, (3,), (1,))
    sd["bool"] = Tensor(torch.BoolStorage([True, False, True]), 0, (3,), (1,))
    sd["empty"] = Tensor(torch.FloatStorage([]), 0, (0, 3), (3, 1))
    sd["param"] = Parameter(torch.FloatStorage([4.0, 5.0]), 0, (1, 2), (2, 1))
    sd["sub"] = {"a": Tensor(torch.LongStorage([9]), 0, (1,), (1,)), "epoch": 3, "lr": 0.1, "tag": "x", "none": None}
    sd["lst"] = [Tensor(a, 11, (1,), (1,))]
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("conv", {"version": 1})])
    return sd


def expected(sd):
    out = {}

    def add(name, t):
        kind = STORAGES[type(t.storage).__name__]
        vals = t.values()
        if kind[0] in ("f", "d", "e", None):
            bits = [struct.unpack("<I", struct.pack("<f", v))[0] for v in vals]
            out[name] = {"dtype": kind[2], "shape": list(t.size), "float32_bits": bits}
        else:
            out[name] = {"dtype": kind[2], "shape": list(t.size), "int64": [int(v) for v in vals]}

    def rec(prefix, v):
        if isinstance(v, Tensor):
            add(prefix, v)
        elif isinstance(v, dict):
            for k, x in v.items():
                rec(prefix + "." + k if prefix else k, x)
        elif isinstance(v, list):
            for i, x in enumerate(v):
                rec(prefix + "." + str(i) if prefix else str(i), x)

    rec("", sd)
    return out


def zip_save(obj, name, order):
    """The zip layout of torch.serialization._save (storages keyed "0", "1", ...)."""
    storages, ids = {}, {}

    def persistent_id(o):
        if isinstance(o, Storage):
            key = ids.setdefault(id(o), str(len(ids)))
            storages[key] = o
            return ("storage", type(o), key, "cpu", len(o.values))
        return None

    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=2)
    p.persistent_id = persistent_id
    p.dump(obj)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(name + "/data.pkl", buf.getvalue())
        z.writestr(name + "/byteorder", "little" if order == "<" else "big")
        for key in sorted(storages):
            z.writestr(name + "/data/" + key, storages[key].raw(order))
        z.writestr(name + "/version", "3\n")
    return out.getvalue()


def legacy_save(obj, little_endian_host=True, view=None):
    """The stream layout of torch.serialization._legacy_save. Storages are always written
    little-endian (as torch's writeFileRaw does on any host); sys_info only records the
    host. view = (storage, offset, size) makes that storage a legacy storage view."""
    storages, ids = {}, {}

    def persistent_id(o):
        if isinstance(o, Storage):
            key = ids.setdefault(id(o), str(94000000000000 + 64 * len(ids)))  # like a _cdata pointer
            storages[key] = o
            meta = None
            if view is not None and o is view[0]:
                meta = ("view-" + key, view[1], view[2])
            return ("storage", type(o), key, "cpu", len(o.values), meta)
        return None

    f = io.BytesIO()
    pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
    pickle.dump(1001, f, protocol=2)
    pickle.dump(dict(protocol_version=1001, little_endian=little_endian_host, type_sizes=dict(short=2, int=4, long=8)), f, protocol=2)
    p = pickle.Pickler(f, protocol=2)
    p.persistent_id = persistent_id
    p.dump(obj)
    keys = sorted(storages)
    pickle.dump(keys, f, protocol=2)
    for k in keys:
        s = storages[k]
        f.write(struct.pack("<q", len(s.values)) + s.raw("<"))
    return f.getvalue()


def main():
    sd = state()
    exp = expected(sd)
    for fname, data in [
        ("zip_little.pth", zip_save(sd, "zip_little", "<")),
        ("zip_big.pth", zip_save(sd, "zip_big", ">")),
        ("legacy_little.pth", legacy_save(sd)),
        ("legacy_behost.pth", legacy_save(sd, little_endian_host=False)),
    ]:
        with open(fname, "wb") as f:
            f.write(data)
    # A legacy storage view: the tensor sees elements [2, 6) of an 8-element storage.
    base = torch.FloatStorage([10.0 + i for i in range(8)])
    vd = collections.OrderedDict(v=Tensor(base, 1, (2,), (2,)))
    with open("legacy_view.pth", "wb") as f:
        f.write(legacy_save(vd, view=(base, 2, 4)))
    exp_view = {"v": {"dtype": "F32", "shape": [2], "float32_bits": [struct.unpack("<I", struct.pack("<f", v))[0] for v in (13.0, 15.0)]}}
    with open("expected.json", "w") as f:
        json.dump({"state": exp, "order": list(exp), "view": exp_view}, f, indent=1)
        f.write("\n")


main()
