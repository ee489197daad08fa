#include "etcd/member.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "base/json_writer.h"
#include "base/sha1.h"

namespace flotilla::etcd {
namespace {

// The first 8 bytes of the digest, big-endian, as etcd reads them.
uint64_t Sha1Prefix64(std::string_view data) {
  auto d = base::Sha1(data);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | d[i];
  return v;
}

std::string Hex(uint64_t v) {
  char buf[17];
  auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
  return std::string(buf, r.ptr);
}

void AppendStrings(base::JsonWriter& w, std::string_view key, const std::vector<std::string>& v) {
  w.Key(key);
  w.BeginArray();
  for (const auto& s : v) w.String(s);
  w.EndArray();
}

bool ReadStrings(const boost::json::object& o, std::string_view key,
                 std::vector<std::string>& out) {
  out.clear();
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (!v->is_array()) return false;
  for (const auto& e : v->as_array()) {
    if (!e.is_string()) return false;
    out.emplace_back(e.as_string());
  }
  return true;
}

const boost::json::object* ParseObject(std::string_view json, boost::json::value& holder) {
  boost::system::error_code ec;
  holder = boost::json::parse(json, ec);
  if (ec || !holder.is_object()) return nullptr;
  return &holder.as_object();
}

}  // namespace

std::string MemberId::String() const {
  return Hex(value);
}
std::string ClusterId::String() const {
  return Hex(value);
}

std::optional<MemberId> MemberId::Parse(std::string_view hex) {
  uint64_t v = 0;
  auto r = std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
  if (hex.empty() || r.ec != std::errc() || r.ptr != hex.data() + hex.size()) return std::nullopt;
  return MemberId{v};
}

MemberId ComputeMemberId(std::vector<std::string> peer_urls, std::string_view cluster_token) {
  std::sort(peer_urls.begin(), peer_urls.end());
  std::string b;
  for (const auto& p : peer_urls) b += p;
  b += cluster_token;
  return MemberId{Sha1Prefix64(b)};
}

ClusterId ComputeClusterId(std::vector<MemberId> members) {
  std::sort(members.begin(), members.end());
  std::string b;
  for (auto id : members)
    for (int i = 7; i >= 0; --i) b += static_cast<char>(id.value >> (8 * i));
  return ClusterId{Sha1Prefix64(b)};
}

std::string MemberDir(MemberId id) {
  return "/0/members/" + id.String();
}

std::string RaftAttributesJson(const Member& m) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  AppendStrings(w, "peerURLs", m.peer_urls);
  w.EndObject();
  return out;
}

std::string AttributesJson(const Member& m) {
  std::string out;
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("name");
  w.String(m.name);
  AppendStrings(w, "clientURLs", m.client_urls);
  w.EndObject();
  return out;
}

bool ParseRaftAttributes(std::string_view json, Member& m) {
  boost::json::value v;
  auto* o = ParseObject(json, v);
  return o && ReadStrings(*o, "peerURLs", m.peer_urls);
}

bool ParseAttributes(std::string_view json, Member& m) {
  boost::json::value v;
  auto* o = ParseObject(json, v);
  if (!o) return false;
  if (auto* n = o->if_contains("name"); n && n->is_string()) m.name = std::string(n->as_string());
  return ReadStrings(*o, "clientURLs", m.client_urls);
}

void AppendMemberJson(std::string& out, const Member& m) {
  base::JsonWriter w(out);
  w.BeginObject();
  w.Key("id");
  w.String(m.id.String());
  w.Key("name");
  w.String(m.name);
  AppendStrings(w, "peerURLs", m.peer_urls);
  AppendStrings(w, "clientURLs", m.client_urls);
  w.EndObject();
}

}  // namespace flotilla::etcd
