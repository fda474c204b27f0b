#define _GNU_SOURCE
#include "platform.h"
#include <fcntl.h>
#include <linux/fs.h>
#include <malloc.h>
#include <sys/syscall.h>
#include <unistd.h>

int gp_rename_exchange(const char *from, const char *to) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE);
}

int gp_limit_malloc_arenas(int arenas) {
    return mallopt(M_ARENA_MAX, arenas);
}
