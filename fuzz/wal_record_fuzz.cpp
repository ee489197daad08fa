// Fuzzes WAL recovery: the input becomes the only segment of a log on a
// FakeFs. Open must either recover (and then accept appends) or refuse with
// an error; it must never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/fake_fs.h"
#include "storage/wal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flotilla;
  base::FakeFs fs(1);
  if (!fs.CreateDirs("/wal").ok()) return 0;
  auto file = fs.OpenAppend("/wal/0000000000000000-0000000000000001.wal");
  if (!file.ok()) return 0;
  (void)(*file)->Append(std::string_view(reinterpret_cast<const char*>(data), size));
  (void)(*file)->Sync();
  (void)(*file)->Close();
  (void)fs.SyncDir("/wal");
  storage::Recovered rec;
  auto wal = storage::Wal::Open(fs, "/wal", 0, &rec);
  if (wal.ok()) {
    storage::Entry e{rec.hard_state.term + 1, (*wal)->last_index() + 1, "x"};
    (void)(*wal)->Append({e});
    (void)(*wal)->Sync();
  }
  return 0;
}
