/* Linux calls and compiler hints Swift's Glibc module does not expose. */
#ifndef GUESTPIPE_PLATFORM_H
#define GUESTPIPE_PLATFORM_H

/* Atomically swaps two existing paths (renameat2 with RENAME_EXCHANGE). 0, or -1 with errno. */
int gp_rename_exchange(const char *from, const char *to);

/* Caps glibc's malloc arenas (mallopt M_ARENA_MAX). Returns 1 on success. */
int gp_limit_malloc_arenas(int arenas);

/* Asks the CPU to start loading the cache line at `address` (a hint: never faults). Hash-table
 * look-ups whose keys are known ahead (merging one string pool into another) issue it a few
 * keys early, so the misses overlap instead of coming one after another. */
static inline void gp_prefetch(const void *address) { __builtin_prefetch(address); }

#endif
