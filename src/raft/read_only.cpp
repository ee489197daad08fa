#include "raft/read_only.h"

namespace flotilla::raft {

bool ReadOnly::Add(Index index, NodeId from, const std::string& context) {
  if (pending_.count(context)) return false;
  pending_.emplace(context, ReadRequest{index, from, context, {}});
  queue_.push_back(context);
  return true;
}

const std::set<NodeId>* ReadOnly::Ack(NodeId node, const std::string& context) {
  auto it = pending_.find(context);
  if (it == pending_.end()) return nullptr;
  it->second.acks.insert(node);
  return &it->second.acks;
}

std::vector<ReadRequest> ReadOnly::Release(const std::string& context) {
  std::vector<ReadRequest> out;
  if (!pending_.count(context)) return out;
  while (!queue_.empty()) {
    std::string ctx = std::move(queue_.front());
    queue_.pop_front();
    auto node = pending_.extract(ctx);
    out.push_back(std::move(node.mapped()));
    if (ctx == context) break;
  }
  return out;
}

}  // namespace flotilla::raft
