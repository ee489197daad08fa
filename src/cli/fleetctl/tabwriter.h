// Go's text/tabwriter, for fleetctl's tables and help: text whose cells
// end in '\t' is aligned into columns. A column block is a run of
// consecutive lines that all have a cell in that column; every cell of the
// block is padded to the block's widest cell plus `padding` (at least
// `min_width`). With `pad_char` '\t' (fleetctl's setting: 0, 8, 1, '\t') the
// padding is made of tabs and the width is rounded up to a multiple of
// `tab_width`, as Go assumes a tab reaches the next tab stop. The text after
// a line's last tab is not part of any column. Widths count UTF-8 runes.
//
// Only the flags fleetctl uses (none) are implemented. Pure.
#pragma once

#include <string>
#include <string_view>

namespace flotilla::cli::fleetctl {

struct TabwriterSettings {
  int min_width = 0;
  int tab_width = 8;
  int padding = 1;
  char pad_char = '\t';
};

// The whole of `text` as a tabwriter writes it on Flush().
std::string TabAlign(std::string_view text, const TabwriterSettings& settings = {});

}  // namespace flotilla::cli::fleetctl
