/* SPDX-License-Identifier: ISC */
/*
 * shim.h: what cmappserver and cmapp-shim agree on besides the protocol's
 * 4xx messages (docs/restart.md).
 */
#ifndef CMAPP_SHIM_H
#define CMAPP_SHIM_H

#define SHIM_NAME	"cmapp-shim"	/* next to cmappserver's binary */
#define SHIM_LINK_FD	3		/* the link to the launching server */
#define SHIM_RUNDIR	"/run/cmappserver"
/*
 * The version in SHIM_HELLO, apart from PROTO_VERSION: a shim outlives
 * the cmappserver that started it, so an upgraded server meets shims of
 * the old binary.  Bump it only when a 4xx layout or the meaning of
 * OUTPUT, EXIT or ERROR on the link changes, and keep the server able to
 * adopt every older version it may find running.
 */
#define SHIM_LINK_VERSION	3	/* 2: SHIM_HELLO may say RUN_STARTING;
					   3: SHIM_VERSION, SHIM_LEFT */
#define SHIM_LINK_OLDEST	1	/* the oldest a server still adopts */
/* A shim keeps an uncollected status a little longer than cmappserver's
 * own 24 hours, so that the server's expiry, which logs, normally rules. */
#define SHIM_KEEP_S	(25 * 3600)

#endif
