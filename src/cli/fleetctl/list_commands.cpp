// list-units, list-unit-files and list-machines (list_units.go,
// list_unit_files.go, list_machines.go): a column per --fields entry, a
// header row of the upper-cased field names unless --no-legend, aligned by
// fleetctl's tabwriter (0, 8, 1, '\t'). Machine ids are shortened to 8
// characters and "..." unless --full, as are hashes to 7.
#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "base/go_strconv.h"
#include "cli/fleetctl/commands.h"
#include "cli/fleetctl/session.h"
#include "cli/fleetctl/tabwriter.h"
#include "cli/fleetctl/unit_files.h"

namespace flotilla::cli::fleetctl {
namespace {

template <typename T>
using FieldMap = std::map<std::string, std::function<std::string(Session&, const T&, bool full)>>;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

template <typename T>
std::string Keys(const FieldMap<T>& fields) {
  std::string s;
  for (const auto& [k, f] : fields) s += (s.empty() ? "" : ",") + k;
  return s;
}

// The --fields value checked against `fields`; empty (after printing
// fleetctl's message) when it is not usable.
template <typename T>
std::vector<std::string> Columns(const Session& s, const FieldMap<T>& fields) {
  std::string spec = s.flags().String("fields");
  if (spec.empty()) {
    Stderr("Must define output format");
    return {};
  }
  std::vector<std::string> cols = Split(spec, ',');
  for (const auto& c : cols) {
    if (!fields.count(c)) {
      Stderr("Invalid key in output format: " + base::GoQuote(c));
      return {};
    }
  }
  return cols;
}

template <typename T>
void PrintTable(Session& s, const std::vector<std::string>& cols, const FieldMap<T>& fields,
                const std::vector<T>& rows) {
  std::string text;
  if (!s.flags().Bool("no-legend")) {
    for (size_t i = 0; i < cols.size(); ++i) {
      std::string h = cols[i];
      for (auto& ch : h) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      text += (i ? "\t" : "") + h;
    }
    text += "\n";
  }
  bool full = s.flags().Bool("full");
  for (const auto& row : rows) {
    for (size_t i = 0; i < cols.size(); ++i) {
      text += (i ? "\t" : "") + fields.at(cols[i])(s, row, full);
    }
    text += "\n";
  }
  WriteStdout(TabAlign(text));
}

std::string Dash(const std::string& s) {
  return s.empty() ? "-" : s;
}

// The target machine's legend; "-" when none.
std::string MachineLegend(Session& s, const std::string& id, bool full) {
  if (id.empty()) return "-";
  const Machine* m = s.CachedMachine(id);
  Machine bare{id, "", {}};
  return MachineFullLegend(m ? *m : bare, full);
}

std::string ShortHash(const std::string& hash, bool full) {
  return full ? hash : hash.substr(0, 7);
}

const FieldMap<UnitState>& UnitStateFields() {
  static const FieldMap<UnitState> fields = {
      {"unit", [](Session&, const UnitState& us, bool) { return us.name; }},
      {"load", [](Session&, const UnitState& us, bool) { return us.systemd_load_state; }},
      {"active", [](Session&, const UnitState& us, bool) { return us.systemd_active_state; }},
      {"sub", [](Session&, const UnitState& us, bool) { return us.systemd_sub_state; }},
      {"machine", [](Session& s, const UnitState& us,
                     bool full) { return MachineLegend(s, us.machine_id, full); }},
      {"hash", [](Session&, const UnitState& us,
                  bool full) { return us.hash.empty() ? "-" : ShortHash(us.hash, full); }},
  };
  return fields;
}

std::string TargetField(Session& s, const Unit& u, bool full) {
  if (IsGlobal(u)) return "global";
  return MachineLegend(s, u.machine_id, full);
}

const FieldMap<Unit>& UnitFields() {
  static const FieldMap<Unit> fields = {
      {"unit", [](Session&, const Unit& u, bool) { return u.name; }},
      {"global", [](Session&, const Unit& u, bool) { return IsGlobal(u) ? "true" : "false"; }},
      {"dstate", [](Session&, const Unit& u, bool) { return Dash(u.desired_state); }},
      {"target", TargetField},
      {"tmachine", TargetField},
      {"state", [](Session&, const Unit& u,
                   bool) { return IsGlobal(u) ? std::string("-") : Dash(u.current_state); }},
      {"hash",
       [](Session&, const Unit& u, bool full) { return ShortHash(UnitHash(u.options), full); }},
      {"desc", [](Session&, const Unit& u, bool) { return Dash(Description(u)); }},
      // flotilla: why a unit that should run is on no machine.
      {"reason", [](Session&, const Unit& u, bool) { return Dash(u.reason); }},
  };
  return fields;
}

bool HasMetadataOperator(const std::string& v) {
  for (std::string_view op : {"<=", ">=", "!=", "==", "<", ">"}) {
    if (v.rfind(op, 0) == 0) return true;
  }
  return false;
}

const FieldMap<Machine>& MachineFields() {
  static const FieldMap<Machine> fields = {
      {"machine", [](Session&, const Machine& m, bool full) { return MachineIdLegend(m, full); }},
      {"ip", [](Session&, const Machine& m, bool) { return Dash(m.primary_ip); }},
      {"metadata",
       [](Session&, const Machine& m, bool) {
         if (m.metadata.empty()) return std::string("-");
         std::string s;
         for (const auto& [k, v] : m.metadata) {  // std::map: sorted, as fleetctl sorts
           s += (s.empty() ? "" : ",") + k + (HasMetadataOperator(v) ? "" : "=") + v;
         }
         return s;
       }},
  };
  return fields;
}

int RunListUnits(Session& s, const std::vector<std::string>&) {
  auto cols = Columns(s, UnitStateFields());
  if (cols.empty()) return 1;
  auto states = s.api().UnitStates();
  if (!states.ok()) {
    Stderr("Error retrieving list of units from repository: " + states.status().message());
    return 1;
  }
  PrintTable(s, cols, UnitStateFields(), *states);
  return 0;
}

int RunListUnitFiles(Session& s, const std::vector<std::string>&) {
  auto cols = Columns(s, UnitFields());
  if (cols.empty()) return 1;
  if (std::find(cols.begin(), cols.end(), "tmachine") != cols.end()) {
    Stderr("WARNING: The \"tmachine\" field is deprecated. Use \"target\" instead");
  }
  auto units = s.api().Units();
  if (!units.ok()) {
    Stderr("Error retrieving list of units from repository: " + units.status().message());
    return 1;
  }
  PrintTable(s, cols, UnitFields(), *units);
  return 0;
}

int RunListMachines(Session& s, const std::vector<std::string>&) {
  auto cols = Columns(s, MachineFields());
  if (cols.empty()) return 1;
  auto machines = s.api().Machines();
  if (!machines.ok()) {
    Stderr("Error retrieving list of active machines from fleet API (" +
           machines.status().message() + ")");
    Stderr("Possible issues:");
    Stderr("  etcd is unhealthy and/or lost quorum");
    Stderr("  connection cannot be established to any etcd servers");
    return 1;
  }
  PrintTable(s, cols, MachineFields(), *machines);
  return 0;
}

FlagSpec FullFlag() {
  return {"full", 'l', FlagKind::kBool, "false", "Do not ellipsize fields on output"};
}
FlagSpec NoLegendFlag() {
  return {"no-legend", 0, FlagKind::kBool, "false", "Do not print a legend (column headers)"};
}

}  // namespace

Command ListUnitsCommand() {
  return {"list-units",
          "list-units [--no-legend] [-l|--full] [--fields]",
          "List the current state of units in the cluster",
          R"(Lists the state of all units in the cluster loaded onto a machine.

For easily parsable output, you can remove the column headers:
	fleetctl list-units --no-legend

Output the list without ellipses:
	fleetctl list-units --full

Or, choose the columns to display:
	fleetctl list-units --fields=unit,machine)",
          {FullFlag(),
           NoLegendFlag(),
           {"fields", 0, FlagKind::kString, "unit,machine,active,sub",
            "Columns to print for each Unit. Valid fields are " +
                base::GoQuote(Keys(UnitStateFields()))}},
          true,
          RunListUnits};
}

Command ListUnitFilesCommand() {
  return {"list-unit-files",
          "list-unit-files [--fields]",
          "List the units that exist in the cluster.",
          "Lists all unit files that exist in the cluster (whether or not they are loaded onto a "
          "machine).",
          {FullFlag(),
           NoLegendFlag(),
           {"fields", 0, FlagKind::kString, "unit,hash,dstate,state,target",
            "Columns to print for each Unit file. Valid fields are " +
                base::GoQuote(Keys(UnitFields()))}},
          true,
          RunListUnitFiles};
}

Command ListMachinesCommand() {
  return {
      "list-machines",
      "list-machines [-l|--full] [--no-legend]",
      "Enumerate the current hosts in the cluster",
      R"(Lists all active machines within the cluster. Previously active machines will not appear in this list.

For easily parsable output, you can remove the column headers:
fleetctl list-machines --no-legend

Output the list without truncation:
fleetctl list-machines --full)",
      {FullFlag(),
       NoLegendFlag(),
       {"fields", 0, FlagKind::kString, "machine,ip,metadata",
        "Columns to print for each Machine. Valid fields are " +
            base::GoQuote(Keys(MachineFields()))}},
      true,
      RunListMachines};
}

}  // namespace flotilla::cli::fleetctl
