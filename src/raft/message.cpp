#include "raft/message.h"

namespace flotilla::raft {

// The names of etcd-io/raft's raftpb.MessageType, so logs read the same.
const char* ToString(MessageType t) {
  switch (t) {
    case MessageType::kHup:
      return "MsgHup";
    case MessageType::kBeat:
      return "MsgBeat";
    case MessageType::kPropose:
      return "MsgProp";
    case MessageType::kUnreachable:
      return "MsgUnreachable";
    case MessageType::kSnapshotStatus:
      return "MsgSnapStatus";
    case MessageType::kCheckQuorum:
      return "MsgCheckQuorum";
    case MessageType::kPeerDown:
      return "MsgPeerDown";
    case MessageType::kAppend:
      return "MsgApp";
    case MessageType::kAppendResponse:
      return "MsgAppResp";
    case MessageType::kVote:
      return "MsgVote";
    case MessageType::kVoteResponse:
      return "MsgVoteResp";
    case MessageType::kPreVote:
      return "MsgPreVote";
    case MessageType::kPreVoteResponse:
      return "MsgPreVoteResp";
    case MessageType::kSnapshot:
      return "MsgSnap";
    case MessageType::kHeartbeat:
      return "MsgHeartbeat";
    case MessageType::kHeartbeatResponse:
      return "MsgHeartbeatResp";
    case MessageType::kTransferLeader:
      return "MsgTransferLeader";
    case MessageType::kTimeoutNow:
      return "MsgTimeoutNow";
    case MessageType::kReadIndex:
      return "MsgReadIndex";
    case MessageType::kReadIndexResponse:
      return "MsgReadIndexResp";
  }
  return "MsgUnknown";
}

bool IsLocal(MessageType t) {
  switch (t) {
    case MessageType::kHup:
    case MessageType::kBeat:
    case MessageType::kUnreachable:
    case MessageType::kSnapshotStatus:
    case MessageType::kCheckQuorum:
    case MessageType::kPeerDown:
      return true;
    default:
      return false;
  }
}

bool IsResponse(MessageType t) {
  switch (t) {
    case MessageType::kAppendResponse:
    case MessageType::kVoteResponse:
    case MessageType::kPreVoteResponse:
    case MessageType::kHeartbeatResponse:
    case MessageType::kReadIndexResponse:
      return true;
    default:
      return false;
  }
}

}  // namespace flotilla::raft
