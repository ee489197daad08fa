// Members of a store cluster and their identities, computed as etcd computes
// them so that the same flags give the same member and cluster ids:
// member id = first 8 bytes (big-endian) of sha1(sorted peer URLs joined +
// cluster token) for founding members, + the Unix time in decimal seconds
// instead of the token for members added later; cluster id = first 8 bytes of sha1(sorted member
// ids as 8-byte big-endian). Ids print as lower-case hex without zero padding. Members live in the
// store under /0/members/<id>/{raftAttributes,attributes} as JSON, exactly where etcd's v2 store
// keeps them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flotilla::etcd {

struct MemberId {
  uint64_t value = 0;
  std::string String() const;  // "8e9e05c52164694d"
  static std::optional<MemberId> Parse(std::string_view hex);
  bool operator==(const MemberId&) const = default;
  auto operator<=>(const MemberId&) const = default;
};

struct ClusterId {
  uint64_t value = 0;
  std::string String() const;
  bool operator==(const ClusterId&) const = default;
};

struct Member {
  MemberId id;
  std::string name;
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;
};

MemberId ComputeMemberId(std::vector<std::string> peer_urls, std::string_view cluster_token);
ClusterId ComputeClusterId(std::vector<MemberId> members);

// Store paths and values of a member's records.
std::string MemberDir(MemberId id);               // "/0/members/<id>"
std::string RaftAttributesJson(const Member& m);  // {"peerURLs":[...]}
std::string AttributesJson(const Member& m);      // {"name":"..","clientURLs":[...]}
// Fills peer_urls / name+client_urls from stored JSON; false if malformed.
bool ParseRaftAttributes(std::string_view json, Member& m);
bool ParseAttributes(std::string_view json, Member& m);

// The JSON of a member in /v2/members: {"id","name","peerURLs","clientURLs"}.
void AppendMemberJson(std::string& out, const Member& m);

}  // namespace flotilla::etcd
