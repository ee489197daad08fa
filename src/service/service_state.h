// Internal to service.cpp: how a command's wait status reads.
#pragma once

#include <string>

#include "service/service.h"

namespace flotilla::service {

// systemd's words for a wait status: "code=exited, status=1/FAILURE",
// "code=killed, status=9/KILL".
std::string DescribeExit(int wait_status);
// The result a wait status gives; with `clean_signals`, SIGTERM, SIGINT,
// SIGHUP and SIGPIPE count as a clean exit (a main process told to stop).
ServiceResult ResultOf(int wait_status, bool clean_signals);

}  // namespace flotilla::service
