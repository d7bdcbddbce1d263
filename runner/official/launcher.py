# Written by sweep's official executor into the run directory: seeds every random number
# generator the official code uses with the run's seed, records the software and device in
# a provenance line, then runs the official script as "python script.py ARGS" would, from
# the checkout.
#
#   python official_launch.py --sweep-seed S --sweep-code DIR --sweep-provenance FILE \
#       train.py ARGS...
import json
import os
import platform
import random
import runpy
import sys


def parse(argv):
    opts = {}
    while len(argv) >= 2 and argv[0].startswith("--sweep-"):
        opts[argv[0][len("--sweep-"):]] = argv[1]
        argv = argv[2:]
    if not argv or set(opts) != {"seed", "code", "provenance"}:
        sys.exit("usage: official_launch.py --sweep-seed S --sweep-code DIR --sweep-provenance FILE SCRIPT ARGS...")
    return opts, argv


def seed_all(seed):
    random.seed(seed)
    info = {"python": platform.python_version(), "seed": seed}
    try:
        import numpy
    except ImportError:
        numpy = None
    if numpy is not None:
        numpy.random.seed(seed % 2**32)
        info["numpy"] = numpy.__version__
    try:
        import torch
    except ImportError:
        return info
    torch.manual_seed(seed)  # every device's generator, CUDA included
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    info["torch"] = torch.__version__
    info["cuda"] = torch.version.cuda
    info["cudnn"] = torch.backends.cudnn.version()
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def main():
    opts, argv = parse(sys.argv[1:])
    info = seed_all(int(opts["seed"]))
    info["script"] = argv[0]
    with open(opts["provenance"], "a") as f:
        f.write(json.dumps(info, sort_keys=True) + "\n")
    code = os.path.abspath(opts["code"])
    os.chdir(code)
    sys.path.insert(0, code)
    sys.argv = argv
    runpy.run_path(os.path.join(code, argv[0]), run_name="__main__")


main()
