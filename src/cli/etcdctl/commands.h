// The etcdctl v2 commands, one builder per command, in the order the Go
// etcdctl lists them. Each returns the command's name, help texts, flags and
// action; app.cpp assembles them into the App. Actions follow their Go
// originals in ctlv2/command/*.go line by line, including the order of
// checks (the client is built, and synced, before the arguments are checked).
#pragma once

#include "cli/etcdctl/app.h"

namespace flotilla::cli::etcdctl {

Command BackupCommand();         // unsupported.cpp
Command ClusterHealthCommand();  // cluster_health.cpp
Command MakeCommand();           // key_write.cpp: mk
Command MakeDirCommand();        // dir_write.cpp: mkdir
Command RemoveCommand();         // remove.cpp: rm
Command RemoveDirCommand();      // remove.cpp: rmdir
Command GetCommand();            // read.cpp: get
Command LsCommand();             // read.cpp: ls
Command SetCommand();            // key_write.cpp: set
Command SetDirCommand();         // dir_write.cpp: setdir
Command UpdateCommand();         // key_write.cpp: update
Command UpdateDirCommand();      // dir_write.cpp: updatedir
Command WatchCommand();          // watch.cpp: watch
Command ExecWatchCommand();      // watch.cpp: exec-watch
Command MemberCommand();         // member.cpp: member list|add|remove|update
Command UserCommand();           // unsupported.cpp
Command RoleCommand();           // unsupported.cpp
Command AuthCommand();           // unsupported.cpp

// The --ttl flag most write commands take.
FlagSpec TtlFlag();

}  // namespace flotilla::cli::etcdctl
