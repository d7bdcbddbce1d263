import os
import shutil

import standin

p = standin.base_parser("test.py")
p.add_argument("--results_dir", default="./results/")
p.add_argument("--num_test", type=int, default=50)
opt = p.parse_args()

standin.load_check(opt)
src = os.path.join(opt.dataroot, "testA" if opt.direction == "AtoB" else "testB")
out = os.path.join(opt.results_dir, opt.name, "test_%s" % opt.epoch, "images", "fake_B")
os.makedirs(out, exist_ok=True)
for name in standin.images(src)[: opt.num_test]:
    shutil.copyfile(os.path.join(src, name), os.path.join(out, os.path.splitext(name)[0] + ".png"))
