// What every etcdctl v2 command shares (ctlv2/command/util.go, error.go):
// building the cluster client from the global flags and environment
// (--endpoints / ETCDCTL_ENDPOINTS / --endpoint / ETCDCTL_ENDPOINT / --peers /
// ETCDCTL_PEERS, --timeout, --debug, --username / ETCDCTL_USERNAME), syncing
// it with the cluster unless --no-sync, the per-command --total-timeout
// deadline, reading a value from the arguments or stdin, and reporting an
// error the way etcdctl does ("Error:  <err>" on stderr, then exit with the
// given code).
//
// The Must* functions and HandleError end the command through Exit() on
// failure, as their Go originals end the process. Single-threaded.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cli/etcdctl/app.h"
#include "cli/etcdctl/cluster_client.h"

namespace flotilla::cli::etcdctl {

// mustNewClient: a client synced with the cluster (unless --no-sync).
std::unique_ptr<ClusterClient> MustNewClient(const Context& c);
// mustNewClientNoSync: a client on the given endpoints as they are.
std::unique_ptr<ClusterClient> MustNewClientNoSync(const Context& c);

// contextWithTotalTimeout: now + --total-timeout.
Deadline TotalTimeout(const Context& c);

// handleError: "Error:  <message>" (plus a ClusterError's detail) on stderr.
[[noreturn]] void HandleError(const Context& c, int code, const ClientError& err);
[[noreturn]] void HandleError(const Context& c, int code, const std::string& message);

// argOrStdin: args[i], or all of stdin; nullopt if that is empty.
std::optional<std::string> ArgOrStdin(const std::vector<std::string>& args, size_t i);

// Writes to stdout / stderr (stdout is flushed first so that the two streams
// interleave as Go's unbuffered writes do).
void Out(const std::string& text);
void Err(const std::string& text);

}  // namespace flotilla::cli::etcdctl
