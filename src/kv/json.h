// The JSON bodies etcd's v2 HTTP layer sends for key-space results, byte for
// byte: Go's encoding/json with etcd's struct field order and omitempty
// rules, and the trailing "\n" of json.NewEncoder where etcd uses one.
//
// `strip_prefix` is the namespace the HTTP layer hides ("/1"): it is removed
// from the start of every key (nested nodes included) and of an error's
// cause, as etcd's strings.TrimPrefix does; a key left empty (the namespace
// root) is omitted, as Go omits an empty string. Pure functions; they append
// to `out`.
#pragma once

#include <string>
#include <string_view>

#include "kv/event.h"
#include "kv/store.h"

namespace flotilla::kv {

// {"action":"set","node":{...},"prevNode":{...}}\n
void AppendEventJson(std::string& out, const Event& e, std::string_view strip_prefix);

// {"action":"set"}\n : the body of a write sent with noValueOnSuccess=true.
void AppendActionOnlyJson(std::string& out, Action action);

// {"errorCode":100,"message":"Key not found","cause":"/foo","index":6}\n
void AppendErrorJson(std::string& out, const Error& e, std::string_view strip_prefix);

// The /v2/stats/store body, in etcd's field order. etcd writes it with
// json.Marshal, so there is no trailing newline.
void AppendStoreStatsJson(std::string& out, const StoreStats& s);

}  // namespace flotilla::kv
