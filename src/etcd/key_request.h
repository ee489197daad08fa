// KeyRequest: a /v2/keys HTTP request decoded as etcd 3.4 decodes it
// (etcdserver/api/v2http/client.go parseKeyRequest and the method dispatch of
// apply_v2.go), ready to be served: a local read, a watch, or a kv::Request
// to go through the log.
//
// Decoding is pure: it looks only at its arguments, so it is fuzzed directly
// (fuzz/key_request_fuzz.cpp). A request etcd would reject yields the
// kv::Error etcd answers with (index 0, as etcd's parse errors have).
#pragma once

#include <string_view>
#include <variant>

#include "base/clock.h"
#include "kv/event.h"
#include "kv/request.h"

namespace flotilla::etcd {

// The v2 store keeps user keys under this directory; /0 holds cluster data.
inline constexpr std::string_view kKeysNamespace = "/1";

struct KeyRequest {
  enum class Kind { kGet, kWatch, kWrite };
  Kind kind = Kind::kGet;
  kv::Request request;  // request.path is the full store path ("/1/...")
  bool quorum = false;  // kGet: read through the log (request.op == kGet)
  bool stream = false;  // kWatch
  kv::Index wait_index = 0;
  bool no_value_on_success = false;
};

struct RawKeyRequest {
  std::string_view method;        // GET, HEAD, PUT, POST, DELETE
  std::string_view key;           // percent-decoded path after "/v2/keys" ("" or "/...")
  std::string_view query;         // raw query string
  std::string_view content_type;  // the Content-Type header, "" if absent
  std::string_view body;
};

// `now` is the proposer's clock: TTLs become absolute expirations from it.
std::variant<KeyRequest, kv::Error> DecodeKeyRequest(const RawKeyRequest& raw, base::UnixNanos now);

}  // namespace flotilla::etcd
