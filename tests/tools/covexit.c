/* SPDX-License-Identifier: ISC */
/*
 * covexit.c: linked into the coverage build of tests/sanset.sh with
 * -Wl,--wrap=_exit.  cmappmgr and cmapp-shim leave by _exit(2), which
 * skips gcov's dump of the counts at exit: this dumps them first.
 */
void	__gcov_dump(void);
void	__real__exit(int) __attribute__((noreturn));
void	__wrap__exit(int);

void
__wrap__exit(int code)
{
	__gcov_dump();
	__real__exit(code);
}
