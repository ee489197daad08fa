#include "cli/fleetctl/tabwriter.h"

#include <algorithm>
#include <vector>

namespace flotilla::cli::fleetctl {
namespace {

struct Cell {
  std::string text;
  int width = 0;  // in runes
};
using Line = std::vector<Cell>;  // tab-terminated cells, then the trailing text

int RuneCount(std::string_view s) {
  return static_cast<int>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// A port of tabwriter.Writer's format/writeLines pair.
class Formatter {
 public:
  Formatter(const std::vector<Line>& lines, const TabwriterSettings& s) : lines_(lines), s_(s) {}

  std::string Run() {
    Format(0, lines_.size());
    return std::move(out_);
  }

 private:
  void Padding(int text_width, int cell_width) {
    if (s_.pad_char == '\t') {
      if (s_.tab_width == 0) return;
      cell_width = (cell_width + s_.tab_width - 1) / s_.tab_width * s_.tab_width;
      int n = cell_width - text_width;
      out_.append(static_cast<size_t>((n + s_.tab_width - 1) / s_.tab_width), '\t');
      return;
    }
    out_.append(static_cast<size_t>(std::max(0, cell_width - text_width)), s_.pad_char);
  }

  void WriteLines(size_t line0, size_t line1) {
    for (size_t i = line0; i < line1; ++i) {
      const Line& line = lines_[i];
      for (size_t j = 0; j < line.size(); ++j) {
        out_ += line[j].text;
        if (j < widths_.size()) Padding(line[j].width, widths_[j]);
      }
      if (i + 1 < lines_.size()) out_ += '\n';
    }
  }

  void Format(size_t line0, size_t line1) {
    size_t column = widths_.size();
    for (size_t at = line0; at < line1; ++at) {
      if (column + 1 >= lines_[at].size()) continue;
      // A cell in this column: the lines before it are done.
      WriteLines(line0, at);
      line0 = at;
      int width = s_.min_width;
      for (; at < line1; ++at) {
        const Line& line = lines_[at];
        if (column + 1 >= line.size()) break;
        width = std::max(width, line[column].width + s_.padding);
      }
      widths_.push_back(width);
      Format(line0, at);
      widths_.pop_back();
      line0 = at;
      if (at == line1) break;
    }
    WriteLines(line0, line1);
  }

  const std::vector<Line>& lines_;
  TabwriterSettings s_;
  std::vector<int> widths_;
  std::string out_;
};

}  // namespace

std::string TabAlign(std::string_view text, const TabwriterSettings& settings) {
  std::vector<Line> lines(1);
  std::string cell;
  auto end_cell = [&] {
    int w = RuneCount(cell);
    lines.back().push_back({std::move(cell), w});
    cell.clear();
  };
  for (char c : text) {
    if (c == '\t') {
      end_cell();
    } else if (c == '\n') {
      end_cell();
      lines.emplace_back();
    } else {
      cell += c;
    }
  }
  if (!cell.empty()) end_cell();
  return Formatter(lines, settings).Run();
}

}  // namespace flotilla::cli::fleetctl
