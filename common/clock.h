/* SPDX-License-Identifier: ISC */
/*
 * clock.h: the one clock for deadlines and intervals, in every program:
 * monotonic, so that a change of the wall clock moves no deadline.
 */
#ifndef CMAPP_CLOCK_H
#define CMAPP_CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC (since an unspecified start). */
int64_t	now_ms(void);

#endif
