#include "linearizability.h"

#include <map>

#include "linearizability_model.h"
#include "linearizability_search.h"

namespace flotilla::testing::lin {
namespace {

using Clock = std::chrono::steady_clock;

CheckResult Illegal(const std::string& key, const std::vector<const Operation*>& ops,
                    const KeyOutcome& k) {
  constexpr size_t kShownPrefix = 12;
  CheckResult r{.verdict = Verdict::kIllegal, .key = key};
  for (int i : k.prefix) r.prefix.push_back(*ops[i]);
  for (int i : k.stuck) r.stuck.push_back(*ops[i]);
  std::string& s = r.explanation;
  s = "key " + DescribeState(key) + " is not linearizable (" + std::to_string(ops.size()) +
      " ops).\n";
  s += "Longest linearizable prefix: " + std::to_string(k.prefix.size()) + " ops";
  bool lost_in_prefix = false;
  for (int i : k.prefix) lost_in_prefix |= ops[i]->ret == kUnknown;
  s += lost_in_prefix ? " (the lost ones taken to apply where listed)" : "";
  s += ", leaving the key " + DescribeState(k.state) + ":\n";
  size_t skip = k.prefix.size() > kShownPrefix ? k.prefix.size() - kShownPrefix : 0;
  if (skip > 0) s += "  ... " + std::to_string(skip) + " earlier ops\n";
  for (size_t i = skip; i < k.prefix.size(); ++i) s += "  " + Describe(*ops[k.prefix[i]]) + "\n";
  s += "None of the ops that may come next (called before " + Describe(*ops[k.blocker]) +
       " returned) fits that state:\n";
  for (int i : k.stuck) s += "  " + Describe(*ops[i]) + ": " + WhyIllegal(k.state, *ops[i]) + "\n";
  return r;
}

}  // namespace

CheckResult CheckLinearizability(const std::vector<Operation>& history,
                                 const CheckOptions& options) {
  std::map<std::string, std::vector<const Operation*>> by_key;
  for (const Operation& op : history) {
    if (std::string why = WhyMalformed(op); !why.empty()) {
      return {.verdict = Verdict::kUnknown,
              .explanation = "malformed history: " + Describe(op) + ": " + why};
    }
    if (op.kind == Kind::kGet && op.ret == kUnknown) continue;  // says nothing
    by_key[op.key].push_back(&op);
  }
  std::optional<Clock::time_point> deadline;
  if (options.time_budget.count() > 0) deadline = Clock::now() + options.time_budget;

  CheckResult unknown;
  for (const auto& [key, ops] : by_key) {
    KeyOutcome k = SearchKey(ops, options.max_steps_per_key, deadline);
    if (k.verdict == Verdict::kIllegal) return Illegal(key, ops, k);
    if (k.verdict == Verdict::kUnknown && unknown.verdict != Verdict::kUnknown) {
      unknown = {.verdict = Verdict::kUnknown,
                 .key = key,
                 .explanation = "key " + DescribeState(key) + " (" + std::to_string(ops.size()) +
                                " ops): " + k.why + "; other keys were still checked"};
    }
  }
  return unknown;
}

}  // namespace flotilla::testing::lin
