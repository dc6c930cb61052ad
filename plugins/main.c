/* SPDX-License-Identifier: ISC */
/*
 * main.c: cmapp_net_mon, cmapp_disk_mon and any cmapp_NAME_mon: one
 * program that runs the probe its name says (see runner.h).
 */
#include "runner.h"

int
main(int argc, char **argv)
{
	return runner_main(argc, argv, NULL);
}
