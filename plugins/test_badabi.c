/* SPDX-License-Identifier: ISC */
/*
 * test_badabi.c: a probe built for another interface version
 * (build/tests/plugins/badabi.so), which the runner must refuse.
 */
#include "plugin.h"

__attribute__((visibility("default")))
const struct cmapp_probe cmapp_probe = {
	.abi = CMAPP_PLUGIN_ABI + 98,
	.name = "badabi",
};
