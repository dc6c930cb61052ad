/* SPDX-License-Identifier: ISC */
/*
 * hostlog_arg.h: which file on the VM host a monitor's command line names
 * for its host log, read exactly as the monitors read their options, for
 * cmappmgr (which must find it in the service's argv) to share.
 */
#ifndef CMAPP_HOSTLOG_ARG_H
#define CMAPP_HOSTLOG_ARG_H

const char *hostlog_arg(char *const *argv);

#endif
