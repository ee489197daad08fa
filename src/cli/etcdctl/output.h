// Printing a keys response as etcdctl v2 does (ctlv2/command/format.go):
//   simple    the value ("PrevNode.Value: v" after a delete)
//   extended  Key:, Created-Index:, Modified-Index:, [PrevNode.Value:], TTL:,
//             Index:, a blank line and the value
//   json      Go's json.Marshal of client.Response: every field present
//             ("nodes":null, "prevNode":null), value "" for dirs
// Any other format prints "Unsupported output format: x" on stderr. Pure
// apart from writing to stdout/stderr.
#pragma once

#include <string>

#include "cli/etcdctl/keys_api.h"

namespace flotilla::cli::etcdctl {

void PrintResponseKey(const Response& resp, const std::string& format);

// json.Marshal(resp) without the trailing newline.
std::string MarshalResponse(const Response& resp);

}  // namespace flotilla::cli::etcdctl
