#include "cli/etcdctl/keys_api.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <charconv>

#include "base/go_strconv.h"

namespace flotilla::cli::etcdctl {
namespace {

namespace json = boost::json;

const char kInvalidJson[] =
    "client: response is invalid json. The endpoint is probably not valid etcd cluster endpoint";
const char kFormType[] = "application/x-www-form-urlencoded";

base::GoUrl KeysUrl(const base::GoUrl& endpoint, const std::string& key) {
  base::GoUrl u = endpoint;
  std::string k = key;
  if (!k.empty() && k[0] != '/') k = "/" + k;
  u.path = base::CanonicalUrlPath(endpoint.path + "/v2/keys" + k);
  return u;
}

const char* BoolText(bool b) {
  return b ? "true" : "false";
}

// Decoders return false on a type mismatch (jsoniter's error).
bool GetUint(const json::value& v, uint64_t* out) {
  if (v.is_uint64()) return *out = v.as_uint64(), true;
  if (v.is_int64() && v.as_int64() >= 0) return *out = static_cast<uint64_t>(v.as_int64()), true;
  return v.is_null();
}

bool GetInt(const json::value& v, int64_t* out) {
  if (v.is_int64()) return *out = v.as_int64(), true;
  return v.is_null();
}

bool GetString(const json::value& v, std::string* out) {
  if (v.is_string()) return *out = std::string(v.as_string()), true;
  return v.is_null();
}

bool DecodeNode(const json::value& v, Node* n) {
  if (!v.is_object()) return false;
  for (const auto& [k, field] : v.as_object()) {
    bool ok = true;
    if (k == "key") {
      ok = GetString(field, &n->key);
    } else if (k == "dir") {
      ok = field.is_bool() || field.is_null();
      if (field.is_bool()) n->dir = field.as_bool();
    } else if (k == "value") {
      ok = GetString(field, &n->value);
    } else if (k == "nodes") {
      if (field.is_null()) {
        n->nodes.reset();
      } else if (field.is_array()) {
        n->nodes.emplace();
        for (const auto& child : field.as_array()) {
          if (child.is_null()) return false;  // Go would print a nil *Node
          n->nodes->emplace_back();
          if (!DecodeNode(child, &n->nodes->back())) return false;
        }
      } else {
        ok = false;
      }
    } else if (k == "createdIndex") {
      ok = GetUint(field, &n->created_index);
    } else if (k == "modifiedIndex") {
      ok = GetUint(field, &n->modified_index);
    } else if (k == "expiration") {
      if (field.is_string()) {
        n->expiration = std::string(field.as_string());
      } else {
        ok = field.is_null();
      }
    } else if (k == "ttl") {
      ok = GetInt(field, &n->ttl);
    }
    if (!ok) return false;
  }
  return true;
}

bool DecodeOptionalNode(const json::value& v, std::optional<Node>* out) {
  if (v.is_null()) return out->reset(), true;
  out->emplace();
  return DecodeNode(v, &**out);
}

ClientResult<Response> DecodeSuccess(const net::HttpResponse& resp) {
  std::error_code ec;
  json::value v = json::parse(resp.body, ec);
  if (ec || !v.is_object()) return ClientError::Plain(kInvalidJson);
  Response r;
  for (const auto& [k, field] : v.as_object()) {
    bool ok = true;
    if (k == "action") {
      ok = GetString(field, &r.action);
    } else if (k == "node") {
      ok = DecodeOptionalNode(field, &r.node);
    } else if (k == "prevNode") {
      ok = DecodeOptionalNode(field, &r.prev_node);
    }
    if (!ok) return ClientError::Plain(kInvalidJson);
  }
  if (const std::string* index = resp.Header("X-Etcd-Index"); index && !index->empty()) {
    const char* end = index->data() + index->size();
    auto [ptr, ec] = std::from_chars(index->data(), end, r.index);
    if (ec == std::errc::result_out_of_range) {
      return ClientError::Plain("strconv.ParseUint: parsing " + base::GoQuote(*index) +
                                ": value out of range");
    }
    if (ec != std::errc() || ptr != end) {
      return ClientError::Plain("strconv.ParseUint: parsing " + base::GoQuote(*index) +
                                ": invalid syntax");
    }
  }
  if (const std::string* id = resp.Header("X-Etcd-Cluster-Id")) r.cluster_id = *id;
  return r;
}

// Go's encoding/json matches field names case-insensitively here.
ClientError DecodeFailure(const net::HttpResponse& resp) {
  std::error_code ec;
  json::value v = json::parse(resp.body, ec);
  if (ec || !(v.is_object() || v.is_null())) return ClientError::Plain(kInvalidJson);
  int64_t code = 0;
  uint64_t index = 0;
  std::string message, cause;
  if (v.is_object()) {
    for (const auto& [k, field] : v.as_object()) {
      std::string key(k);
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      bool ok = true;
      if (key == "errorcode") {
        ok = GetInt(field, &code);
      } else if (key == "message") {
        ok = GetString(field, &message);
      } else if (key == "cause") {
        ok = GetString(field, &cause);
      } else if (key == "index") {
        ok = GetUint(field, &index);
      }
      if (!ok) return ClientError::Plain(kInvalidJson);
    }
  }
  return ClientError::Plain(std::to_string(code) + ": " + message + " (" + cause + ") [" +
                            std::to_string(index) + "]");
}

}  // namespace

ClientResult<Response> DecodeKeysResponse(const net::HttpResponse& resp) {
  if (resp.status == 200 || resp.status == 201) {
    if (resp.body.empty()) return ClientError::Plain("client: response body is empty");
    return DecodeSuccess(resp);
  }
  return DecodeFailure(resp);
}

ClientResult<Response> KeysApi::Get(const std::string& key, const GetOptions& opts,
                                    Deadline deadline) {
  auto resp = client_->Do(
      [&](const base::GoUrl& ep) {
        V2Request r;
        r.url = KeysUrl(ep, key);
        base::UrlValues q;
        q.Set("recursive", BoolText(opts.recursive));
        q.Set("sorted", BoolText(opts.sort));
        q.Set("quorum", BoolText(opts.quorum));
        r.url.raw_query = q.Encode();
        return r;
      },
      deadline);
  if (!resp.ok()) return resp.error();
  return DecodeKeysResponse(resp.value());
}

ClientResult<Response> KeysApi::Set(const std::string& key, const std::string& value,
                                    const SetOptions& opts, Deadline deadline) {
  auto resp = client_->Do(
      [&](const base::GoUrl& ep) {
        V2Request r;
        r.method = "PUT";
        r.url = KeysUrl(ep, key);
        base::UrlValues q, form;
        if (opts.dir) {
          q.Set("dir", "true");
        } else {
          if (!opts.prev_value.empty()) q.Set("prevValue", opts.prev_value);
          form.Add("value", value);
        }
        if (opts.prev_index != 0) q.Set("prevIndex", std::to_string(opts.prev_index));
        if (opts.prev_exist == PrevExist::kExist) q.Set("prevExist", "true");
        if (opts.prev_exist == PrevExist::kNoExist) q.Set("prevExist", "false");
        if (opts.ttl_seconds > 0) form.Add("ttl", std::to_string(opts.ttl_seconds));
        r.url.raw_query = q.Encode();
        r.body = form.Encode();
        r.content_type = kFormType;
        return r;
      },
      deadline, /*one_shot=*/opts.prev_exist == PrevExist::kNoExist);
  if (!resp.ok()) return resp.error();
  return DecodeKeysResponse(resp.value());
}

ClientResult<Response> KeysApi::Delete(const std::string& key, const DeleteOptions& opts,
                                       Deadline deadline) {
  auto resp = client_->Do(
      [&](const base::GoUrl& ep) {
        V2Request r;
        r.method = "DELETE";
        r.url = KeysUrl(ep, key);
        base::UrlValues q;
        if (!opts.prev_value.empty()) q.Set("prevValue", opts.prev_value);
        if (opts.prev_index != 0) q.Set("prevIndex", std::to_string(opts.prev_index));
        if (opts.dir) q.Set("dir", "true");
        if (opts.recursive) q.Set("recursive", "true");
        r.url.raw_query = q.Encode();
        r.content_type = kFormType;
        return r;
      },
      deadline, /*one_shot=*/true);
  if (!resp.ok()) return resp.error();
  return DecodeKeysResponse(resp.value());
}

ClientResult<Response> KeysApi::CreateInOrder(const std::string& dir, const std::string& value,
                                              int64_t ttl_seconds, Deadline deadline) {
  auto resp = client_->Do(
      [&](const base::GoUrl& ep) {
        V2Request r;
        r.method = "POST";
        r.url = KeysUrl(ep, dir);
        base::UrlValues form;
        form.Add("value", value);
        if (ttl_seconds > 0) form.Add("ttl", std::to_string(ttl_seconds));
        r.body = form.Encode();
        r.content_type = kFormType;
        return r;
      },
      deadline);
  if (!resp.ok()) return resp.error();
  return DecodeKeysResponse(resp.value());
}

Watcher::Watcher(ClusterClient* client, std::string key, uint64_t after_index, bool recursive)
    : client_(client), key_(std::move(key)), recursive_(recursive) {
  if (after_index > 0) wait_index_ = after_index + 1;
}

ClientResult<Response> Watcher::Next() {
  for (;;) {
    auto resp = client_->Do(
        [&](const base::GoUrl& ep) {
          V2Request r;
          r.url = KeysUrl(ep, key_);
          r.wait = true;
          base::UrlValues q;
          q.Set("wait", "true");
          q.Set("waitIndex", std::to_string(wait_index_));
          q.Set("recursive", BoolText(recursive_));
          r.url.raw_query = q.Encode();
          return r;
        },
        Deadline::None());
    if (!resp.ok()) return resp.error();
    if ((resp->status == 200 || resp->status == 201) && resp->body.empty()) continue;
    auto decoded = DecodeKeysResponse(resp.value());
    if (!decoded.ok()) return decoded;
    wait_index_ = (decoded->node ? decoded->node->modified_index : 0) + 1;
    return decoded;
  }
}

}  // namespace flotilla::cli::etcdctl
