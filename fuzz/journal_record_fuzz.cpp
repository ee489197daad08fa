// Fuzzes the journal's record decoder and its recovery. The input is used
// twice: as the payload of an entry record (DecodeJournalRecord must refuse
// it with an error or accept it, and an accepted entry must encode and
// decode back to itself), and as the only segment of a journal on a FakeFs
// (Open must recover or refuse with an error; a recovered journal must answer
// Tail and accept an append that a reopen then finds). Its first 100 bytes
// also go to ParseJournalTime (journalctl --since). Nothing may crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/fake_fs.h"
#include "base/log.h"
#include "service/journal.h"
#include "service/journal_time.h"

namespace {

using namespace flotilla;

void DecodePayload(std::string_view bytes) {
  storage::Record rec{static_cast<uint8_t>(storage::RecordType::kEntry), bytes, 0};
  auto e = service::DecodeJournalRecord(rec);
  if (!e.ok()) return;
  std::string again;
  service::EncodeJournalRecord(again, *e);
  storage::Record rec2;
  if (storage::RecordReader(again).Next(rec2) != storage::RecordReader::Outcome::kRecord) abort();
  auto e2 = service::DecodeJournalRecord(rec2);
  if (!e2.ok() || !(*e2 == *e)) abort();
}

void RecoverSegment(std::string_view bytes) {
  base::FakeFs fs(1);
  base::ManualClock clock;
  if (!fs.CreateDirs("/j").ok()) return;
  auto file = fs.OpenAppend("/j/0000000000000001-0000000000000001.journal");
  if (!file.ok()) return;
  (void)(*file)->Append(bytes);
  (void)(*file)->Close();
  service::JournalOptions opts;
  opts.max_bytes = 1 << 20;
  auto j = service::Journal::Open(fs, "/j", clock, opts);
  if (!j.ok()) return;
  auto before = (*j)->Tail("", 1 << 20);
  if (!before.ok()) abort();
  service::JournalEntry e;
  e.unit = "fuzz.service";
  e.message = "after";
  if (!(*j)->Append(e).ok()) abort();
  j->reset();
  auto again = service::Journal::Open(fs, "/j", clock, opts);
  if (!again.ok()) abort();
  auto after = (*again)->Tail("fuzz.service", 1);
  if (!after.ok() || after->size() != 1 || after->front().message != "after") abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  base::SetLogLevel(base::LogLevel::kOff);
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  DecodePayload(bytes);
  RecoverSegment(bytes);
  // journalctl --since text: an answer or a clear refusal, never a crash.
  (void)service::ParseJournalTime(bytes.substr(0, 100), 1796211000'000'000'000, true);
  return 0;
}
