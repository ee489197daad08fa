// Fuzzes the fleet API's readers (src/fleet/api_json.h, api_page.h): the
// same bytes as a PUT body (a Unit), a PATCH body (metadata operations,
// then fleet's checks), a query string, a page token and a machine's unit
// status. Nothing may crash, and what is read must survive a round trip: a
// decoded Unit written and read again is the same Unit, a decoded page
// token encodes back to a token that decodes the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fleet/api_json.h"
#include "fleet/api_page.h"
#include "net/query.h"

using namespace flotilla::fleet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  if (auto unit = DecodeUnit(in); unit.ok()) {
    ApiUnit u = *unit;
    u.reason.clear();  // written, never read
    auto again = DecodeUnit(EncodeUnit(u));
    if (!again.ok() || !(*again == u)) std::abort();
  }

  if (auto ops = DecodeMachinePatch(in); ops.ok()) {
    if (auto changes = CheckMachinePatch(*ops); changes.ok()) {
      if (changes->size() != ops->size()) std::abort();
      for (const auto& c : *changes)
        if (c.machine.empty() || c.key.empty()) std::abort();
    }
  }

  auto query = flotilla::net::ParseQueryValues(in);
  for (uint16_t limit : {uint16_t{1}, uint16_t{100}}) {
    auto it = query.find("nextPageToken");
    (void)FindPageToken(it == query.end() ? std::vector<std::string>{} : it->second, limit);
  }

  if (auto token = DecodePageToken(in); token.ok()) {
    auto again = DecodePageToken(EncodePageToken(*token));
    if (!again.ok() || !(*again == *token)) std::abort();
    std::vector<int> items(300);
    auto page = SlicePage(items, *token);
    if (page.items.size() > token->limit) std::abort();
  }

  if (auto view = DecodeRemoteUnit(in)) {
    (void)flotilla::service::FormatStatus(*view, std::chrono::system_clock::time_point(), true);
  }
  return 0;
}
