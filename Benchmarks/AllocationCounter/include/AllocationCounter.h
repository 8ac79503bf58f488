#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H

#include <stdint.h>

/// Calls to malloc, calloc, realloc and posix_memalign/aligned_alloc so far (all threads).
/// Counting works on Linux (glibc), where the executable's definitions below take the place
/// of libc's; elsewhere it returns 0.
uint64_t allocation_counter_count(void);

#endif
