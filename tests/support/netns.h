// NetLab: a small network for process tests, one Linux network namespace per
// cluster member, so that the links between members can be cut and restored
// while the test process keeps talking to every member.
//
//   root namespace (the test)         member namespaces
//   flb<pid> 10.213.X.1/24 ──┬── flv<pid>m0 ═ eth0 10.213.X.2   fln<pid>m0
//        (a bridge)          ├── flv<pid>m1 ═ eth0 10.213.X.3   fln<pid>m1
//                            └── ...          (veth pairs)
//
// X is chosen from the pid, skipping subnets already on an interface, under
// a file lock, so concurrent test processes get disjoint labs. A member runs
// inside its namespace when its command line is prefixed with Launcher(i)
// (`ip netns exec fln<pid>m<i>`, which execs in place: the pid stays the
// member's). Partition(a, b) adds `blackhole <peer>/32` routes in both
// namespaces, which also cuts established TCP connections; the bridge
// address is never blackholed, so clients in the root namespace reach cut-off
// members too. Heal() removes every route Partition() added.
//
// Everything is done by shelling out to iproute2's `ip`, which needs root.
// Available() says whether that works here; tests skip when it does not.
// The destructor removes the lab (stop the members first: one still running
// would run on in a namespace nobody can reach); Create() also removes what
// dead test processes left behind, killing members still running in their
// namespaces. One lab per process at a time.
//
// Not thread-safe: one thread owns a lab.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace flotilla::testing {

class NetLab {
 public:
  // True when this process can build labs (root, `ip netns` and veth and
  // bridge links work); otherwise false with the reason in *why.
  static bool Available(std::string* why);

  // A lab of `members` namespaces (1..200), all links up.
  static base::Result<std::unique_ptr<NetLab>> Create(int members);
  ~NetLab();
  NetLab(const NetLab&) = delete;
  NetLab& operator=(const NetLab&) = delete;

  int size() const { return members_; }
  const std::string& Namespace(int i) const { return namespaces_[i]; }
  std::string Address(int i) const;  // "10.213.X.(i+2)"
  // The command prefix that runs a program inside member i's namespace.
  std::vector<std::string> Launcher(int i) const;

  // Cuts traffic between members a and b, both ways (idempotent).
  base::Status Partition(int a, int b);
  // Cuts member i off from every other member; clients still reach it.
  base::Status Isolate(int i);
  // Restores every link Partition() cut.
  base::Status Heal();

 private:
  NetLab(int members, int subnet, std::string tag);
  base::Status Build();
  base::Status Cut(int from, int to);  // blackhole `to` inside `from`'s namespace

  int members_;
  int subnet_;       // X in 10.213.X.0/24
  std::string tag_;  // "<pid>", in every name
  std::string bridge_;
  std::vector<std::string> namespaces_, veths_;
  std::set<std::pair<int, int>> cut_;  // (from, to): `to` blackholed in `from`
};

}  // namespace flotilla::testing
