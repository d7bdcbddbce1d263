//go:build cgo && !purego

package linalg

/*
#cgo LDFLAGS: -lopenblas -ldl
#define _GNU_SOURCE
#include <cblas.h>
#include <dlfcn.h>
#include <stdlib.h>

// widest_core names the widest kernel family this CPU and its OS run: AVX-512 (F, BW, DQ,
// VL, which GCC checks against the register state the OS saves) or AVX2 with FMA.
static const char *widest_core(void) {
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
		return "SkylakeX";
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return "Haswell";
	return NULL;
}

// select_core makes OpenBLAS use the kernel family core, as OPENBLAS_CORETYPE would have at
// load time, through the functions with which builds with DYNAMIC_ARCH (Debian's) pick their
// kernels once when loaded; a build for one processor has neither and keeps its kernels. It
// must run before the first product.
static void select_core(const char *core) {
	void (*quit)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
	void (*init)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
	if (quit == NULL || init == NULL)
		return;
	setenv("OPENBLAS_CORETYPE", core, 1);
	quit();
	init();
}
*/
import "C"

import (
	"os"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// Kernel names the matrix kernel this build uses.
const Kernel = "openblas"

// sseCores are the kernel families OpenBLAS falls back to when it does not know a CPU's
// model number: OpenBLAS 0.3.21 (Debian 12) runs Emerald Rapids Xeons on Prescott's SSE3
// kernels, at a quarter of the speed of its AVX-512 ones.
var sseCores = []string{"Unknown", "Katmai", "Coppermine", "Northwood", "Prescott", "Banias",
	"Atom", "Core2", "Penryn", "Dunnington", "Nehalem", "Athlon", "Opteron", "Opteron_SSE3",
	"Barcelona", "Nano", "Bobcat"}

var setup sync.Once

// setupKernel runs OpenBLAS on one thread (its own threading changes the summation order with
// the thread count, so gemm parallelises over fixed column blocks instead) and, unless the
// user chose a kernel family with OPENBLAS_CORETYPE, replaces an SSE fallback by the widest
// family the CPU runs. The choice depends only on the CPU, so a machine's bits stay fixed.
func setupKernel() {
	C.openblas_set_num_threads(1)
	if _, chosen := os.LookupEnv("OPENBLAS_CORETYPE"); chosen || !slices.Contains(sseCores, CoreName()) {
		return
	}
	if core := widestCore(); core != "" {
		cs := C.CString(core)
		defer C.free(unsafe.Pointer(cs))
		C.select_core(cs)
	}
}

// widestCore is the widest kernel family this CPU runs, or "" when it has neither AVX-512 nor
// AVX2 with FMA.
func widestCore() string { return C.GoString(C.widest_core()) }

// CoreName is the kernel family OpenBLAS runs, such as SkylakeX or Haswell.
func CoreName() string { return C.GoString(C.openblas_get_corename()) }

func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	setup.Do(setupKernel)
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	C.cblas_sgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k), C.float(alpha),
		(*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda), (*C.float)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}

// KernelVersion describes the library behind Kernel: OpenBLAS's own configuration string,
// its version, build options and the kernel family it runs.
func KernelVersion() string {
	setup.Do(setupKernel)
	return strings.TrimSpace(C.GoString(C.openblas_get_config()))
}
