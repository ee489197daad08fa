#include "cli/etcdctl/members_api.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>

#include "base/json_writer.h"

namespace flotilla::cli::etcdctl {
namespace {

namespace json = boost::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string JsonError(std::string_view body) {
  if (body.empty()) return "unexpected end of JSON input";
  return "invalid character in JSON response";
}

bool DecodeStrings(const json::value& v, std::vector<std::string>* out) {
  out->clear();
  if (v.is_null()) return true;
  if (!v.is_array()) return false;
  for (const auto& s : v.as_array()) {
    if (!s.is_string()) return false;
    out->emplace_back(s.as_string());
  }
  return true;
}

// encoding/json into client.Member: field names match case-insensitively.
bool DecodeMember(const json::value& v, Member* m) {
  if (v.is_null()) return true;
  if (!v.is_object()) return false;
  for (const auto& [k, field] : v.as_object()) {
    std::string key = Lower(k);
    if (key == "id" || key == "name") {
      if (!field.is_string() && !field.is_null()) return false;
      if (field.is_string()) (key == "id" ? m->id : m->name) = std::string(field.as_string());
    } else if (key == "peerurls") {
      if (!DecodeStrings(field, &m->peer_urls)) return false;
    } else if (key == "clienturls") {
      if (!DecodeStrings(field, &m->client_urls)) return false;
    }
  }
  return true;
}

ClientResult<Member> ParseMember(const std::string& body) {
  std::error_code ec;
  json::value v = json::parse(body, ec);
  Member m;
  if (ec) return ClientError::Plain(JsonError(body));
  if (!DecodeMember(v, &m)) return ClientError::Plain("json: cannot unmarshal into client.Member");
  return m;
}

ClientError UnexpectedStatus(int status) {
  return ClientError::Plain("unexpected status code " + std::to_string(status));
}

// membersError: {"message": "..."}.
ClientError MembersError(const std::string& body) {
  std::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return ClientError::Plain(JsonError(body));
  std::string message;
  if (v.is_object()) {
    for (const auto& [k, field] : v.as_object()) {
      if (Lower(k) == "message" && field.is_string()) message = std::string(field.as_string());
    }
  }
  return ClientError::Plain(message);
}

// types.NewURLs: validates and sorts peer URLs.
std::optional<ClientError> ParsePeerUrls(const std::vector<std::string>& in,
                                         std::vector<std::string>* out) {
  if (in.empty()) return ClientError::Plain("no valid URLs given");
  for (std::string s : in) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::string error;
    auto u = base::ParseGoUrl(s, &error);
    if (!u) return ClientError::Plain(error);
    if (u->scheme != "http" && u->scheme != "https" && u->scheme != "unix" &&
        u->scheme != "unixs") {
      return ClientError::Plain("URL scheme must be http, https, unix, or unixs: " + s);
    }
    const std::string& h = u->host;
    size_t colon = h.rfind(':');
    bool bracketed = !h.empty() && h[0] == '[';
    bool ok =
        colon != std::string::npos && (bracketed ? h.find(']') == colon - 1 : h.find(':') == colon);
    if (!ok) return ClientError::Plain("URL address does not have the form \"host:port\": " + s);
    if (!u->path.empty()) return ClientError::Plain("URL must not contain a path: " + s);
    out->push_back(u->String());
  }
  std::sort(out->begin(), out->end());
  return std::nullopt;
}

std::string PeerUrlsJson(const std::vector<std::string>& urls) {
  std::string body;
  base::JsonWriter w(body);
  w.BeginObject();
  w.Key("peerURLs");
  w.BeginArray();
  for (const auto& u : urls) w.String(u);
  w.EndArray();
  w.EndObject();
  return body;
}

base::GoUrl MembersUrl(const base::GoUrl& ep, std::string_view suffix) {
  base::GoUrl u = ep;
  u.path = base::PathJoin(ep.path, "/v2/members");
  if (!suffix.empty()) u.path = base::PathJoin(u.path, suffix);
  return u;
}

}  // namespace

ClientResult<std::vector<Member>> MembersApi::List(Deadline deadline) {
  auto resp = client_->Do(
      [](const base::GoUrl& ep) {
        V2Request r;
        r.url = MembersUrl(ep, "");
        return r;
      },
      deadline);
  if (!resp.ok()) return resp.error();
  if (resp->status != 200) return UnexpectedStatus(resp->status);
  std::error_code ec;
  json::value v = json::parse(resp->body, ec);
  if (ec) return ClientError::Plain(JsonError(resp->body));
  std::vector<Member> members;
  if (!v.is_object() && !v.is_null()) {
    return ClientError::Plain("json: cannot unmarshal into client.memberCollection");
  }
  if (v.is_object()) {
    for (const auto& [k, field] : v.as_object()) {
      if (Lower(k) != "members" || field.is_null()) continue;
      if (!field.is_array()) return ClientError::Plain("json: cannot unmarshal members");
      members.clear();
      for (const auto& m : field.as_array()) {
        members.emplace_back();
        if (!DecodeMember(m, &members.back())) {
          return ClientError::Plain("json: cannot unmarshal into client.Member");
        }
      }
    }
  }
  return members;
}

ClientResult<Member> MembersApi::Leader(Deadline deadline) {
  auto resp = client_->Do(
      [](const base::GoUrl& ep) {
        V2Request r;
        r.url = MembersUrl(ep, "/leader");
        return r;
      },
      deadline);
  if (!resp.ok()) return resp.error();
  if (resp->status != 200) return UnexpectedStatus(resp->status);
  return ParseMember(resp->body);
}

ClientResult<Member> MembersApi::Add(const std::string& peer_url, Deadline deadline) {
  std::vector<std::string> urls;
  if (auto err = ParsePeerUrls({peer_url}, &urls)) return *err;
  auto resp = client_->Do(
      [&](const base::GoUrl& ep) {
        V2Request r;
        r.method = "POST";
        r.url = MembersUrl(ep, "");
        r.body = PeerUrlsJson(urls);
        r.content_type = "application/json";
        return r;
      },
      deadline);
  if (!resp.ok()) return resp.error();
  if (resp->status == 409) return MembersError(resp->body);
  if (resp->status != 201) return UnexpectedStatus(resp->status);
  return ParseMember(resp->body);
}

std::optional<ClientError> MembersApi::Remove(const std::string& id, Deadline deadline) {
  auto resp = client_->Do(
      [&](const base::GoUrl& ep) {
        V2Request r;
        r.method = "DELETE";
        r.url = MembersUrl(ep, id);
        return r;
      },
      deadline);
  if (!resp.ok()) return resp.error();
  if (resp->status != 204 && resp->status != 410) return UnexpectedStatus(resp->status);
  return std::nullopt;
}

std::optional<ClientError> MembersApi::Update(const std::string& id,
                                              const std::vector<std::string>& peer_urls,
                                              Deadline deadline) {
  std::vector<std::string> urls;
  if (auto err = ParsePeerUrls(peer_urls, &urls)) return *err;
  auto resp = client_->Do(
      [&](const base::GoUrl& ep) {
        V2Request r;
        r.method = "PUT";
        r.url = MembersUrl(ep, id);
        r.body = PeerUrlsJson(urls);
        r.content_type = "application/json";
        return r;
      },
      deadline);
  if (!resp.ok()) return resp.error();
  if (resp->status == 404 || resp->status == 409) return MembersError(resp->body);
  if (resp->status != 204) return UnexpectedStatus(resp->status);
  return std::nullopt;
}

std::optional<ClientError> SyncEndpoints(ClusterClient* client, Deadline deadline) {
  auto members = MembersApi(client).List(deadline);
  if (!members.ok()) return members.error();
  std::vector<base::GoUrl> endpoints;
  for (const auto& m : members.value()) {
    for (const auto& raw : m.client_urls) {
      std::string error;
      auto u = base::ParseGoUrl(raw, &error);
      if (!u) return ClientError::Plain(error);
      endpoints.push_back(*u);
    }
  }
  if (endpoints.empty()) return ClientError::Plain("client: no endpoints available");
  client->SetSyncedEndpoints(std::move(endpoints));
  return std::nullopt;
}

}  // namespace flotilla::cli::etcdctl
