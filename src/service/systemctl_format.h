// What `flotilla systemctl status` and `list-units` print, as systemd 252
// prints them (pure functions; the CLI fetches the data from the daemon).
//
//   ● hello.service - My Service
//        Loaded: loaded (/var/lib/flotilla/units/hello.service; static)
//        Active: active (running) since Wed 2026-12-02 11:30:00 UTC; 5s ago
//      Main PID: 1234 (docker)
//
//   Dec 02 11:30:00 host flotilla[77]: Started hello.service - My Service.
//
// The bullet is "●" for active or activating units, "×" for failed ones
// and "○" otherwise. "since" is local time in the caller's zone with the
// zone's abbreviation, and the age is systemd's ("5s", "1min 3s",
// "2h 5min", "3 days").
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "service/service.h"

namespace flotilla::service {

struct UnitStatusView {
  std::string name, description, path;
  ServiceStatus status;
  std::string main_command;                // e.g. "docker"
  std::vector<std::string> journal_lines;  // already formatted, oldest first
};

// `utc` picks UTC rather than the local zone (tests).
std::string FormatStatus(const UnitStatusView& unit, std::chrono::system_clock::time_point now,
                         bool utc = false);

// systemd's relative age: "5s", "1min 3s", "2h 5min", "3 days 4h".
std::string FormatAge(std::chrono::system_clock::duration age);

// `systemctl list-units --type=service --all` with its legend (UNIT LOAD
// ACTIVE SUB DESCRIPTION columns, "N loaded units listed.").
std::string FormatListUnits(const std::vector<UnitStatusView>& units, bool legend = true);

}  // namespace flotilla::service
