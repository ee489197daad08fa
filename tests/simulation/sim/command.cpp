#include "command.h"

#include <functional>

namespace flotilla::sim {

std::string EncodeCommand(uint64_t request_id, const kv::Request& request) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((request_id >> (8 * i)) & 0xff));
  request.Encode(out);
  return out;
}

base::Result<Command> DecodeCommand(std::string_view data) {
  if (data.size() < 8) return base::Status(base::Code::kCorruption, "command shorter than its id");
  Command c;
  for (int i = 0; i < 8; ++i) {
    c.request_id |= static_cast<uint64_t>(static_cast<uint8_t>(data[i])) << (8 * i);
  }
  auto req = kv::Request::Decode(data.substr(8));
  if (!req.ok()) return req.status();
  c.request = std::move(*req);
  return c;
}

uint64_t OutcomeDigest(const kv::Outcome& outcome) {
  std::string s;
  if (const auto* e = std::get_if<kv::EventPtr>(&outcome)) {
    if (*e) {
      const kv::Event& ev = **e;
      s = std::string(kv::ActionName(ev.action)) + "|" + ev.node.key + "|" +
          ev.node.value.value_or("-") + "|" + std::to_string(ev.node.modified_index) + "|" +
          std::to_string(ev.node.created_index) + "|" + std::to_string(ev.etcd_index) + "|" +
          (ev.prev_node ? ev.prev_node->value.value_or("-") : "none");
    }
  } else {
    const auto& err = std::get<kv::Error>(outcome);
    s = "error|" + std::to_string(static_cast<int>(err.code)) + "|" + std::to_string(err.index);
  }
  return std::hash<std::string>{}(s);
}

}  // namespace flotilla::sim
