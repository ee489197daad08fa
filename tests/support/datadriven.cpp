#include "datadriven.h"

#include <algorithm>

namespace flotilla::testing {
namespace {

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

bool Blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

}  // namespace

base::Result<Transcript> ParseTranscript(const std::string& text) {
  Transcript t;
  t.lines = SplitLines(text);
  for (size_t i = 0; i < t.lines.size();) {
    const std::string& line = t.lines[i];
    if (Blank(line) || line[0] == '#') {
      ++i;
      continue;
    }
    TranscriptBlock b;
    b.line = static_cast<int>(i) + 1;
    b.command = line;
    size_t k = i + 1;
    for (; k < t.lines.size() && t.lines[k] != "----"; ++k) {
      if (Blank(t.lines[k])) break;
      b.input.push_back(t.lines[k]);
    }
    if (k >= t.lines.size() || t.lines[k] != "----") {
      return base::Status(base::Code::kInvalidArgument,
                          "line " + std::to_string(k + 1) + ": want ---- after a command");
    }
    b.out_begin = b.out_end = k + 1;
    while (b.out_end < t.lines.size() && !Blank(t.lines[b.out_end])) {
      b.expected += t.lines[b.out_end++] + "\n";
    }
    i = b.out_end;
    t.blocks.push_back(std::move(b));
  }
  return t;
}

std::string RewriteTranscript(const Transcript& t, const std::vector<std::string>& actual) {
  std::string out;
  size_t next = 0;
  for (size_t k = 0; k < t.blocks.size(); ++k) {
    const TranscriptBlock& b = t.blocks[k];
    for (; next < b.out_begin; ++next) out += t.lines[next] + "\n";
    out += actual[k];
    next = b.out_end;
  }
  for (; next < t.lines.size(); ++next) out += t.lines[next] + "\n";
  return out;
}

std::string LineDiff(const std::string& expected, const std::string& actual) {
  std::vector<std::string> a = SplitLines(expected), b = SplitLines(actual);
  // Longest common subsequence; outputs are a few hundred lines at most.
  std::vector<std::vector<size_t>> lcs(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out += "- " + a[i++] + "\n";
    } else {
      out += "+ " + b[j++] + "\n";
    }
  }
  return out;
}

}  // namespace flotilla::testing
