#include "container/digest.h"

#include <openssl/evp.h>

namespace flotilla::container {

bool IsSha256Hex(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

base::Result<Digest> Digest::Parse(std::string_view text) {
  if (!text.starts_with("sha256:") || !IsSha256Hex(text.substr(7))) {
    if (auto colon = text.find(':');
        colon != std::string_view::npos && colon > 0 && text.substr(0, colon) != "sha256")
      return base::Status(base::Code::kInvalidArgument,
                          "unsupported digest algorithm: " + std::string(text.substr(0, colon)));
    return base::Status(base::Code::kInvalidArgument,
                        "invalid digest \"" + std::string(text.substr(0, 80)) +
                            "\" (want sha256: and 64 lowercase hex digits)");
  }
  return Digest(std::string(text));
}

Digest Digest::Of(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

struct Sha256::State {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  State() { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::Update(std::string_view data) {
  EVP_DigestUpdate(state_->ctx, data.data(), data.size());
}

Digest Sha256::Finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(state_->ctx, md, &n);
  EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "sha256:";
  for (unsigned i = 0; i < n; ++i) {
    text += kHex[md[i] >> 4];
    text += kHex[md[i] & 15];
  }
  return Digest(std::move(text));
}

}  // namespace flotilla::container
