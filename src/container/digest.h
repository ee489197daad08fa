// Digest: an OCI content digest, "sha256:" and 64 lowercase hex digits, the
// name of every blob in the image store and on the wire (image-spec
// descriptor.md). Only sha256 is accepted: it is what Docker and every
// registry produce, and one algorithm keeps the store's paths simple.
//
// Sha256 hashes a stream in pieces (OpenSSL's EVP underneath); Digest::Of
// hashes a whole string. Values; not thread-safe to share while hashing.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace flotilla::container {

class Digest {
 public:
  Digest() = default;
  // Accepts "sha256:<64 lowercase hex>" and nothing else.
  static base::Result<Digest> Parse(std::string_view text);
  static Digest Of(std::string_view data);

  const std::string& str() const { return text_; }
  std::string_view hex() const { return std::string_view(text_).substr(7); }
  // Docker's short form: the first 12 hex digits.
  std::string_view Short() const { return hex().substr(0, 12); }
  bool empty() const { return text_.empty(); }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;

 private:
  explicit Digest(std::string text) : text_(std::move(text)) {}
  friend class Sha256;
  std::string text_;
};

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void Update(std::string_view data);
  // The digest of everything given so far; the hasher starts over after.
  Digest Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// True when `hex` is 64 lowercase hex digits.
bool IsSha256Hex(std::string_view hex);

}  // namespace flotilla::container
