// JsonWriter: appends JSON text to a string the way Go's encoding/json does.
//
// etcd clients see Go's encoder output, so strings are escaped as Go escapes
// them: '<', '>' and '&' become \u003c \u003e \u0026 (HTML-safe), U+2028 and
// U+2029 become \u2028 \u2029, control characters use \n \r \t or \u00XX, and
// invalid UTF-8 bytes become \ufffd. The writer does not check structure; the
// caller opens and closes objects in order. Not thread-safe; cheap to create.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flotilla::base {

// Appends `s` as a quoted JSON string with Go's escaping.
void AppendJsonString(std::string& out, std::string_view s);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() { Sep(), out_ += '{', first_ = true; }
  void EndObject() { out_ += '}', first_ = false; }
  void BeginArray() { Sep(), out_ += '[', first_ = true; }
  void EndArray() { out_ += ']', first_ = false; }
  // Writes `"name":` and arranges for the next value to follow without a comma.
  void Key(std::string_view name);
  void String(std::string_view s) { Sep(), AppendJsonString(out_, s); }
  void Uint(uint64_t v);
  void Int(int64_t v);
  void Bool(bool v) { Sep(), out_ += v ? "true" : "false"; }
  void Null() { Sep(), out_ += "null"; }
  // Inserts already-encoded JSON.
  void Raw(std::string_view json) { Sep(), out_ += json; }

 private:
  void Sep() {
    if (!first_ && !after_key_) out_ += ',';
    first_ = false;
    after_key_ = false;
  }
  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace flotilla::base
