// Test helper: the text of a file in examples/ (the workshop units), so
// that tests check the files users are shown rather than copies of them.
// Header-only; FLOTILLA_SOURCE_DIR is defined for every test binary.
#pragma once

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace flotilla::testing {

inline std::string ReadExample(const std::string& name) {
  std::ifstream in(std::string(FLOTILLA_SOURCE_DIR) + "/examples/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing examples/" + name);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace flotilla::testing
