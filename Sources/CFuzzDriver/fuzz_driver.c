#include "fuzz_driver.h"

int gp_fuzz_driver_available(void) { return LLVMFuzzerRunDriver != NULL; }

int gp_fuzz_run(int argc, char **argv, gp_fuzz_callback callback) {
    return LLVMFuzzerRunDriver(&argc, &argv, callback);
}
