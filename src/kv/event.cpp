#include "kv/event.h"

namespace flotilla::kv {

const char* ActionName(Action a) {
  switch (a) {
    case Action::kGet:
      return "get";
    case Action::kCreate:
      return "create";
    case Action::kSet:
      return "set";
    case Action::kUpdate:
      return "update";
    case Action::kDelete:
      return "delete";
    case Action::kCompareAndSwap:
      return "compareAndSwap";
    case Action::kCompareAndDelete:
      return "compareAndDelete";
    case Action::kExpire:
      return "expire";
  }
  return "unknown";
}

const char* ErrorMessage(ErrorCode code) {
  switch (code) {
    case ErrorCode::kKeyNotFound:
      return "Key not found";
    case ErrorCode::kTestFailed:
      return "Compare failed";
    case ErrorCode::kNotFile:
      return "Not a file";
    case ErrorCode::kNotDir:
      return "Not a directory";
    case ErrorCode::kNodeExist:
      return "Key already exists";
    case ErrorCode::kRootReadOnly:
      return "Root is read only";
    case ErrorCode::kDirNotEmpty:
      return "Directory not empty";
    case ErrorCode::kUnauthorized:
      return "The request requires user authentication";
    case ErrorCode::kValueRequired:
      return "Value is Required in POST form";
    case ErrorCode::kPrevValueRequired:
      return "PrevValue is Required in POST form";
    case ErrorCode::kTtlNaN:
      return "The given TTL in POST form is not a number";
    case ErrorCode::kIndexNaN:
      return "The given index in POST form is not a number";
    case ErrorCode::kInvalidField:
      return "Invalid field";
    case ErrorCode::kInvalidForm:
      return "Invalid POST form";
    case ErrorCode::kRefreshValue:
      return "Value provided on refresh";
    case ErrorCode::kRefreshTtlRequired:
      return "A TTL must be provided on refresh";
    case ErrorCode::kRaftInternal:
      return "Raft Internal Error";
    case ErrorCode::kLeaderElect:
      return "During Leader Election";
    case ErrorCode::kWatcherCleared:
      return "watcher is cleared due to etcd recovery";
    case ErrorCode::kEventIndexCleared:
      return "The event in requested index is outdated and cleared";
  }
  return "Unknown error";
}

int ErrorHttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kKeyNotFound:
      return 404;
    case ErrorCode::kNotFile:
    case ErrorCode::kDirNotEmpty:
      return 403;
    case ErrorCode::kTestFailed:
    case ErrorCode::kNodeExist:
      return 412;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kRaftInternal:
    case ErrorCode::kLeaderElect:
      return 500;
    default:
      return 400;
  }
}

}  // namespace flotilla::kv
