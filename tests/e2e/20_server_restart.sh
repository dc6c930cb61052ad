# SPDX-License-Identifier: ISC
# cmappserver killed -9 and started again within the managers' timeout: ten
# managers carry on, a service that ended meanwhile has its code delivered,
# the others' codes come through later, and nothing leaks (20_restart.inc).
# cost: 3
. "$TOP/tests/e2e/20_restart.inc"
kill9() { kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=; }
restart_scenario kill9 start_server
