/* SPDX-License-Identifier: ISC */
/* version.h: the one version string of every cmapp command. */
#ifndef CMAPP_VERSION_H
#define CMAPP_VERSION_H
#define CMAPP_VERSION	"0.1.0"
#endif
