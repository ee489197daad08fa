// The times `journalctl --since` accepts (systemd.time(7), "PARSING
// TIMESTAMPS"): "now", "today", "yesterday", "tomorrow", "2026-12-02",
// "2026-12-02 11:30", "2026-12-02 11:30:15", "11:30" (today), "@1796211000"
// (Unix seconds), and spans relative to now: "-5min", "+1h", "5min ago".
// Dates and clock times are local time, or UTC when `utc` is set.
#pragma once

#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace flotilla::service {

base::Result<base::UnixNanos> ParseJournalTime(std::string_view text, base::UnixNanos now,
                                               bool utc = false);

}  // namespace flotilla::service
