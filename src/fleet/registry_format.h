// The registry: the cluster state of fleet as keys of the store, and its
// decoded form (docs/formats/registry.md is the reference; this header is
// its code). Pure: key names, value codecs, and Snapshot, the decoded tree
// that a listing or a stream of watch events builds up.
//
// Layout under the prefix (default "/_coreos.com/fleet/"):
//   job/<unit>/object          {"Name":"a.service","UnitHash":[20 bytes]}   API
//   job/<unit>/target-state    inactive | loaded | launched                 API
//   unit/<sha1>                {"Raw":"<unit file>"}, shared by equal units API; GC by engine
//   schedule/<machine>/<unit>  {"desiredState":"launched","unitHash":"<hex>"}  engine
//   global/<unit>              the same, for a global unit                  engine
//   unplaced/<unit>            why a loaded/launched unit has no machine     engine
//   states/<unit>/<machine>    {"loadState","activeState","subState",
//                               "machineState":{"ID"},"unitHash","fleetState"}  agent
//   machines/<id>/object       {"ID","PublicIP","Metadata","Version","Endpoint"}, TTL  agent
//   machines/<id>/metadata/<k> dynamic metadata; "" hides a key             API (PATCH)
//   lease/engine-leader        {"MachineID","Version":1}, TTL               engine
//
// fleet's job/<unit>/target and job-state keys are replaced by schedule/:
// only the engine writes it, and each agent watches its own directory
// there, so a change wakes the one machine it concerns (DESIGN.md 6).
//
// Apply() folds any listing or watch event of these keys into a Snapshot;
// keys it does not know are ignored, and values it cannot decode are
// dropped (a unit whose object is garbage is as good as absent), so a
// hostile or damaged store cannot crash a reader.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "etcd/client.h"
#include "fleet/job.h"

namespace flotilla::fleet {

inline constexpr std::string_view kDefaultKeyPrefix = "/_coreos.com/fleet/";

class Keys {
 public:
  // `prefix` gets a trailing '/' if it lacks one.
  explicit Keys(std::string prefix = std::string(kDefaultKeyPrefix));
  const std::string& prefix() const { return prefix_; }

  std::string Jobs() const { return prefix_ + "job"; }
  std::string Job(std::string_view unit) const { return Jobs() + "/" + std::string(unit); }
  std::string JobObject(std::string_view unit) const { return Job(unit) + "/object"; }
  std::string JobTargetState(std::string_view unit) const { return Job(unit) + "/target-state"; }
  std::string Bodies() const { return prefix_ + "unit"; }
  std::string Body(std::string_view hash) const { return Bodies() + "/" + std::string(hash); }
  std::string Schedule() const { return prefix_ + "schedule"; }
  std::string Schedule(std::string_view machine) const {
    return Schedule() + "/" + std::string(machine);
  }
  std::string Scheduled(std::string_view machine, std::string_view unit) const {
    return Schedule(machine) + "/" + std::string(unit);
  }
  std::string Globals() const { return prefix_ + "global"; }
  std::string Global(std::string_view unit) const { return Globals() + "/" + std::string(unit); }
  std::string Unplaced() const { return prefix_ + "unplaced"; }
  std::string Unplaced(std::string_view unit) const { return Unplaced() + "/" + std::string(unit); }
  std::string States() const { return prefix_ + "states"; }
  std::string State(std::string_view unit, std::string_view machine) const {
    return States() + "/" + std::string(unit) + "/" + std::string(machine);
  }
  std::string Machines() const { return prefix_ + "machines"; }
  std::string MachineObject(std::string_view id) const {
    return Machines() + "/" + std::string(id) + "/object";
  }
  std::string MachineMetadata(std::string_view id) const {
    return Machines() + "/" + std::string(id) + "/metadata";
  }
  std::string MachineMetadata(std::string_view id, std::string_view key) const {
    return MachineMetadata(id) + "/" + std::string(key);
  }
  std::string Lease() const { return prefix_ + "lease/engine-leader"; }

 private:
  std::string prefix_;
};

// --- values ---

// schedule/<machine>/<unit> and global/<unit>: what to run and how far.
struct Assignment {
  JobState desired = JobState::kLoaded;
  std::string hash;  // the unit body (unit/<hash>)
  bool operator==(const Assignment&) const = default;
};

// states/<unit>/<machine>: what the agent of that machine reports.
struct UnitStateRecord {
  std::string load;    // "loaded"
  std::string active;  // "active"
  std::string sub;     // "running"
  std::string machine;
  std::string hash;
  JobState fleet_state = JobState::kLoaded;  // loaded, or launched once started
  bool operator==(const UnitStateRecord&) const = default;
};

// machines/<id>/object: a live machine.
struct MachineRecord {
  std::string id;
  std::string public_ip;
  std::map<std::string, std::string> metadata;  // from its configuration
  std::string version;
  // Where its flotilla API answers ("http://10.0.0.2:2379"): the fleet API
  // asks it for the status and journal of the units it runs.
  std::string endpoint;
  bool operator==(const MachineRecord&) const = default;
};

struct LeaseRecord {
  std::string machine;
  int version = 1;
};

std::string EncodeJobObject(std::string_view name, std::string_view hash_hex);
std::string EncodeBody(std::string_view unit_text);
std::string EncodeAssignment(const Assignment& a);
std::string EncodeUnitState(const UnitStateRecord& s);
std::string EncodeMachine(const MachineRecord& m);
std::string EncodeLease(const LeaseRecord& l);

// Each nullopt / an error for a value that is not what it should be.
std::optional<std::string> DecodeJobObjectHash(std::string_view json);  // hex
std::optional<std::string> DecodeBody(std::string_view json);
std::optional<Assignment> DecodeAssignment(std::string_view json);
std::optional<UnitStateRecord> DecodeUnitState(std::string_view json);
std::optional<MachineRecord> DecodeMachine(std::string_view json);
std::optional<LeaseRecord> DecodeLease(std::string_view json);

// --- the decoded tree ---

struct JobRecord {
  std::string hash;  // "" until job/<unit>/object is there
  JobState desired = JobState::kInactive;
  bool operator==(const JobRecord&) const = default;
};

struct Snapshot {
  std::map<std::string, JobRecord> jobs;                                 // by unit
  std::map<std::string, std::string> bodies;                             // hash -> unit file text
  std::map<std::string, std::map<std::string, Assignment>> schedule;     // machine -> unit ->
  std::map<std::string, Assignment> globals;                             // unit ->
  std::map<std::string, std::string> unplaced;                           // unit -> reason
  std::map<std::string, std::map<std::string, UnitStateRecord>> states;  // unit -> machine ->
  std::map<std::string, MachineRecord> machines;                         // live ones, by id
  std::map<std::string, std::map<std::string, std::string>> dynamic_metadata;  // id -> k -> v
  // The highest modifiedIndex folded in, and the store's index of the last
  // listing (etcd_index): a watch goes on from max(both) + 1.
  uint64_t index = 0;

  // Jobs with an object (a job being created has its target-state first).
  bool HasJob(std::string_view unit) const;
  // Where a non-global unit is scheduled ("" if nowhere).
  std::string TargetOf(std::string_view unit) const;
  // Config metadata of a live machine merged with its dynamic metadata
  // (dynamic wins; "" removes the key).
  Machine MachineView(const MachineRecord& m) const;
};

// Folds a listing (GET, recursive) or a watch event into `s`.
void Apply(Snapshot& s, const Keys& keys, const etcd::Response& r);
// Folds one node and its children as set (a listing).
void ApplyListing(Snapshot& s, const Keys& keys, const etcd::Node& node);

}  // namespace flotilla::fleet
