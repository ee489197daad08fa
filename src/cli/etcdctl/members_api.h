// MembersApi: the Go client's v2 members API (client/members.go) over a
// ClusterClient: list, leader, add, remove, update, with Go's status checks
// ("unexpected status code 404") and peer URL validation (types.NewURLs).
// Sync() is the Go client's endpoint sync: GET /v2/members and switch to the
// members' client URLs. Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "cli/etcdctl/cluster_client.h"

namespace flotilla::cli::etcdctl {

struct Member {
  std::string id;
  std::string name;
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;
};

class MembersApi {
 public:
  explicit MembersApi(ClusterClient* client) : client_(client) {}

  ClientResult<std::vector<Member>> List(Deadline deadline);
  ClientResult<Member> Leader(Deadline deadline);
  ClientResult<Member> Add(const std::string& peer_url, Deadline deadline);
  // Returns an error only; `ok` on success.
  std::optional<ClientError> Remove(const std::string& id, Deadline deadline);
  std::optional<ClientError> Update(const std::string& id, const std::vector<std::string>& urls,
                                    Deadline deadline);

 private:
  ClusterClient* client_;
};

// Go's Client.Sync. Errors as Go returns them; ErrNoEndpoints has the text
// "client: no endpoints available".
std::optional<ClientError> SyncEndpoints(ClusterClient* client, Deadline deadline);

}  // namespace flotilla::cli::etcdctl
