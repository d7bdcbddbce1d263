import os
import random
import sys
import time

import standin  # found through sys.path: the checkout's folder

p = standin.base_parser("train.py")
p.add_argument("--nce_T", type=float, default=0.07)
p.add_argument("--lambda_GAN", type=float, default=1.0)
p.add_argument("--lambda_NCE", type=float, default=1.0)
p.add_argument("--nce_idt", type=standin.str2bool, nargs="?", const=True, default=False)
p.add_argument("--n_epochs", type=int, default=200)
p.add_argument("--n_epochs_decay", type=int, default=200)
p.add_argument("--lr", type=float, default=0.0002)
p.add_argument("--beta1", type=float, default=0.5)
p.add_argument("--beta2", type=float, default=0.999)
p.add_argument("--batch_size", type=int, default=1)
p.add_argument("--display_id", type=int, default=None)
p.add_argument("--print_freq", type=int, default=100)
p.add_argument("--save_epoch_freq", type=int, default=5)
p.add_argument("--no_flip", action="store_true")
p.add_argument("--serial_batches", action="store_true")
p.add_argument("--continue_train", action="store_true")
p.add_argument("--epoch_count", type=int, default=1)
opt = p.parse_args()

if os.getcwd() != os.path.dirname(os.path.abspath(__file__)):
    raise SystemExit("not started in the checkout: cwd %s" % os.getcwd())
size = max(len(standin.images(os.path.join(opt.dataroot, d))) for d in ("trainA", "trainB"))
d = standin.save_dir(opt)
with open(os.path.join(d, "standin_starts.txt"), "a") as f:
    f.write("epoch_count=%d continue=%s epoch=%s gpu_ids=%s argv=%s\n"
            % (opt.epoch_count, opt.continue_train, opt.epoch, opt.gpu_ids, " ".join(sys.argv[1:])))
with open(os.path.join(d, "random.txt"), "w") as f:
    f.write("%r\n" % random.random())
if opt.continue_train:
    standin.load_check(opt)

log = os.path.join(d, "loss_log.txt")
with open(log, "a") as f:
    f.write("================ Training Loss (%s) ================\n" % time.strftime("%c"))
total_iters = 0
last = opt.n_epochs + opt.n_epochs_decay
sleep = float(os.environ.get("STANDIN_SLEEP", "0.2"))
for epoch in range(opt.epoch_count, last + 1):
    start = time.time()
    for epoch_iter in range(1, size + 1):
        total_iters += opt.batch_size
        if total_iters % opt.print_freq == 0:
            losses = {k: random.random() for k in ("G_GAN", "D_real", "D_fake", "G", "NCE", "NCE_Y")}
            msg = "(epoch: %d, iters: %d, time: %.3f, data: %.3f) " % (epoch, epoch_iter, 0.1, 0.01)
            msg += "".join("%s: %.3f " % kv for kv in losses.items())
            print(msg)
            with open(log, "a") as f:
                f.write("%s\n" % msg)
    time.sleep(sleep)
    if epoch % opt.save_epoch_freq == 0:
        print("saving the model at the end of epoch %d, iters %d" % (epoch, total_iters))
        standin.save_networks(opt, "latest")
        standin.save_networks(opt, epoch)
    print("End of epoch %d / %d \t Time Taken: %d sec" % (epoch, last, time.time() - start))
