/* SPDX-License-Identifier: ISC */
/*
 * clock.c: now_ms(), for every deadline and interval (see clock.h).
 */
#include <time.h>

#include "clock.h"

int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
