/*
 * libFuzzer's entry point for programs that keep their own main (SwiftPM links one). Declared
 * weak: in an ordinary build it is absent (NULL) and the fuzz program replays files instead.
 */
#ifndef GUESTPIPE_FUZZ_DRIVER_H
#define GUESTPIPE_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

typedef int (*gp_fuzz_callback)(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, gp_fuzz_callback callback) __attribute__((weak));

/* Whether libFuzzer is linked in (a build with -sanitize=fuzzer). */
int gp_fuzz_driver_available(void);
/* Runs libFuzzer with the process arguments; only when available. */
int gp_fuzz_run(int argc, char **argv, gp_fuzz_callback callback);
#endif
