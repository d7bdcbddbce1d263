"""Shared pieces of the stand-in for the official QS-Attn code (standard library only).

It follows the official command-line interface (argparse refuses unknown options) and file
formats: loss_log.txt lines, "End of epoch" lines, <epoch>_net_G.pth / latest_net_G.pth
(copies of a real official-format generator named by $STANDIN_NET_G), and test.py's
RESULTS/NAME/test_latest/images/fake_B/*.png.
"""
import argparse
import os
import shutil


def str2bool(v):
    if v.lower() in ("yes", "true", "t", "y", "1"):
        return True
    if v.lower() in ("no", "false", "f", "n", "0"):
        return False
    raise argparse.ArgumentTypeError("Boolean value expected.")


def base_parser(prog):
    p = argparse.ArgumentParser(prog=prog)
    p.add_argument("--dataroot", required=True)
    p.add_argument("--name", default="experiment_name")
    p.add_argument("--checkpoints_dir", default="./checkpoints")
    p.add_argument("--gpu_ids", default="0")
    p.add_argument("--direction", default="AtoB", choices=["AtoB", "BtoA"])
    p.add_argument("--QS_mode", default="global", choices=["global", "local", "local_global"])
    p.add_argument("--num_patches", type=int, default=256)
    p.add_argument("--netF_nc", type=int, default=256)
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--ndf", type=int, default=64)
    p.add_argument("--netG", default="resnet_9blocks", choices=["resnet_9blocks", "resnet_6blocks"])
    p.add_argument("--load_size", type=int, default=286)
    p.add_argument("--crop_size", type=int, default=256)
    p.add_argument("--epoch", default="latest")
    return p


def images(folder):
    return sorted(f for f in os.listdir(folder) if f.lower().endswith((".png", ".jpg", ".jpeg")))


def save_dir(opt):
    d = os.path.join(opt.checkpoints_dir, opt.name)
    os.makedirs(d, exist_ok=True)
    return d


def save_networks(opt, suffix):
    src = os.environ["STANDIN_NET_G"]
    for net in ("G", "F", "D"):
        shutil.copyfile(src, os.path.join(save_dir(opt), "%s_net_%s.pth" % (suffix, net)))


def load_check(opt):
    path = os.path.join(save_dir(opt), "%s_net_G.pth" % opt.epoch)
    if not os.path.exists(path):
        raise SystemExit("no checkpoint %s" % path)
