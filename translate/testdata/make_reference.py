"""Writes translate/testdata/pytorch/*.png: the fixture generator (PyTorch's own
global_latest_net_G.pth) applied to translate/testdata/in/*.png by PyTorch, with the
reference test transform (PIL bicubic resize to 32x32, ToTensor, Normalize(0.5, 0.5)) and the
reference quantization uint8(((clamp(x, -1, 1) + 1) / 2) * 255).

Run from the repository root with Debian's python3-torch and python3-pil:
  /usr/bin/python3 translate/testdata/make_reference.py ../shared/bench ../shared/fixtures
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, sys.argv[1])
import qsref  # noqa: E402

SIZE = 32
g = qsref.ResnetGenerator(3, 3, ngf=8, n_blocks=9)
g.load_state_dict(torch.load(os.path.join(sys.argv[2], 'pretrained', 'global_latest_net_G.pth')))
g.eval()
src, dst = 'translate/testdata/in', 'translate/testdata/pytorch'
for name in sorted(os.listdir(src)):
    img = Image.open(os.path.join(src, name)).convert('RGB').resize((SIZE, SIZE), Image.BICUBIC)
    x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)[None]
    with torch.no_grad():
        y = g((x - 0.5) / 0.5)[0]
    out = ((y.clamp(-1, 1) + 1) / 2 * 255).permute(1, 2, 0).numpy().astype(np.uint8)
    Image.fromarray(out).save(os.path.join(dst, name))
