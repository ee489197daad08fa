// QueryCluster: asks running members who is in the cluster, over the peer
// protocol's membership query (peer_wire.h). A member started with
// --initial-cluster-state existing uses it once, before it opens its data
// dir, to learn the cluster id and the member id it was added under.
//
// Blocking, with its own event loop: call it at start-up only.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"
#include "etcd/peer_wire.h"

namespace flotilla::etcd {

// Tries each peer URL ("http://host:port") in turn, each for at most
// `timeout`; the first answer wins. kUnavailable naming every URL and why
// when none answers.
base::Result<ClusterInfo> QueryCluster(const std::vector<std::string>& peer_urls,
                                       std::chrono::milliseconds timeout);

}  // namespace flotilla::etcd
