#pragma once
// Reading one YAML mapping of a config against its schema: typed getters with ranges, every
// problem collected with its file:line (or --set origin) and key path, unknown keys reported with
// the nearest known one. Internal to the config loader and the model readers.
#include "config/loader.hpp"
#include "util/errors.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace epochcost::config::detail {

constexpr std::int64_t max_count = std::int64_t{1} << 53; // exactly representable as a double
constexpr double infinity = HUGE_VAL;

// Problems are collected, then reported together: unknown keys first (a misspelt key is usually
// also the cause of a "missing" error), then invalid values, then missing keys.
enum class Rank { unknown_key = 0, invalid_value = 1, missing_key = 2 };

class Diagnostics {
public:
  // `kind` names the document in messages: "config", "pricing file", ...
  Diagnostics(std::string source, std::map<std::string, std::string> override_origins,
              std::string kind = "config")
      : source_(std::move(source)), override_origins_(std::move(override_origins)),
        kind_(std::move(kind)) {}

  void add(Rank rank, const std::string& path, const YAML::Node& near, const std::string& text) {
    items_.push_back({rank, line_of(near), where(path, near) + ": " + path + ": " + text});
  }
  // A problem with the document itself rather than one key.
  void add_document(const std::string& text) {
    items_.push_back({Rank::invalid_value, 0, source_ + ": " + text});
  }
  [[nodiscard]] bool empty() const { return items_.empty(); }
  // Whether `path` was set by --set.
  [[nodiscard]] bool overridden(const std::string& path) const {
    return override_origins_.contains(path);
  }

  [[noreturn]] void raise() const {
    auto sorted = items_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Item& a, const Item& b) {
      return a.rank != b.rank ? a.rank < b.rank : a.line < b.line;
    });
    std::ostringstream out;
    if (sorted.size() > 1)
      out << sorted.size() << " errors in " << kind_ << " " << source_ << ":\n";
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (i > 0) out << '\n';
      out << (sorted.size() > 1 ? "  " : "") << sorted[i].text;
    }
    throw InputError(out.str());
  }

private:
  struct Item {
    Rank rank;
    int line;
    std::string text;
  };

  static int line_of(const YAML::Node& node) {
    return node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
  }

  std::string where(const std::string& path, const YAML::Node& near) const {
    // The longest --set path that is this key or one of its parents explains the value.
    const std::string* origin = nullptr;
    std::size_t best = 0;
    for (const auto& [key, text] : override_origins_) {
      const bool covers = path == key || path.starts_with(key + ".") ||
                          path.starts_with(key + "[") || key.starts_with(path + ".");
      if (covers && key.size() >= best) {
        best = key.size();
        origin = &text;
      }
    }
    if (origin) return *origin;
    const int line = line_of(near);
    return line > 0 ? source_ + ":" + std::to_string(line) : source_;
  }

  std::string source_;
  std::map<std::string, std::string> override_origins_;
  std::string kind_;
  std::vector<Item> items_;
};

inline std::string join(const std::vector<std::string>& words, const char* separator = ", ") {
  std::string out;
  for (const auto& w : words)
    out += (out.empty() ? "" : separator) + w;
  return out;
}

inline std::string suggestion(const std::string& given,
                              const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(given, c);
    if (!best || d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  const std::size_t tolerated = std::max<std::size_t>(2, given.size() / 3);
  return best && best_distance <= tolerated ? " (did you mean '" + *best + "'?)" : "";
}

// A value as messages quote it: long ones are cut, so that a stray paste does not flood the
// terminal.
inline std::string quote_value(const std::string& text) {
  constexpr std::size_t shown = 60;
  return text.size() <= shown
             ? text
             : text.substr(0, shown) + "… (" + std::to_string(text.size()) + " characters)";
}

inline std::string describe(const YAML::Node& node) {
  if (node.IsScalar()) {
    const std::string value = quote_value(node.Scalar());
    return node.Tag() == "?" ? value : "'" + value + "'";
  }
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing (null)";
}

// Numbers as YAML 1.2 core writes them; quoted scalars and explicitly tagged ones (!!str 32)
// are not numbers.
inline bool is_plain_scalar(const YAML::Node& node) {
  return node.IsScalar() && node.Tag() == "?";
}

inline std::optional<double> as_number(const YAML::Node& node) {
  if (!is_plain_scalar(node)) return std::nullopt;
  std::string text = node.Scalar();
  if (text == ".inf" || text == "+.inf" || text == ".Inf") return infinity;
  if (text == "-.inf" || text == "-.Inf") return -infinity;
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return std::nan("");
  if (!text.empty() && text.front() == '+') text.erase(0, 1);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// An integer read exactly: digits are parsed as an integer, not through a double (which would
// turn 2^53 + 1 into 2^53). A float literal counts only where it is a whole number a double holds
// exactly (32.0, 1e3); out-of-range digits come back as ±2^63 - 1, for the range check to refuse.
inline std::optional<std::int64_t> exact_integer(const YAML::Node& node) {
  if (!is_plain_scalar(node)) return std::nullopt;
  std::string text = node.Scalar();
  if (!text.empty() && text.front() == '+') text.erase(0, 1);
  std::int64_t whole = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), whole);
  if (end == text.data() + text.size() && !text.empty()) {
    if (ec == std::errc::result_out_of_range) {
      return text.front() == '-' ? INT64_MIN + 1 : INT64_MAX;
    }
    if (ec == std::errc()) return whole;
  }
  const auto value = as_number(node);
  if (!value || !std::isfinite(*value) || std::trunc(*value) != *value) return std::nullopt;
  if (std::abs(*value) > static_cast<double>(max_count)) {
    return *value < 0 ? INT64_MIN + 1 : INT64_MAX;
  }
  return static_cast<std::int64_t>(*value);
}

// Parses YAML text; a syntax error is an InputError at SOURCE:LINE:COLUMN.
inline YAML::Node load_document(const std::string& text, const std::string& source) {
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(text);
    if (documents.size() > 1) {
      throw InputError(source + ": holds " + std::to_string(documents.size()) +
                       " YAML documents (separated by ---); it must hold one");
    }
    return documents.empty() ? YAML::Node() : documents.front();
  } catch (const YAML::Exception& e) {
    throw InputError(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
}

// A YAML mapping being read: every key the schema asks for is remembered, so that whatever is
// left over at finish() is an unknown key.
class Section {
public:
  Section(const YAML::Node& node, std::string path, Diagnostics& diagnostics)
      : node_(node), path_(std::move(path)), diagnostics_(diagnostics) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) {
      diagnostics_.add(Rank::invalid_value, path_.empty() ? "(top level)" : path_, node,
                       "must be a mapping of keys to values, got " + describe(node));
      return;
    }
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) {
        diagnostics_.add(Rank::invalid_value, path_, it->first, "keys must be plain names");
        continue;
      }
      const std::string key = it->first.Scalar();
      if (!is_valid_utf8(key)) {
        diagnostics_.add(Rank::invalid_value, path_.empty() ? "(top level)" : path_, it->first,
                         "a key is not valid UTF-8 text");
        continue;
      }
      if (it->second.IsScalar() && !is_valid_utf8(it->second.Scalar())) {
        diagnostics_.add(Rank::invalid_value, child_path(key), it->second,
                         "is not valid UTF-8 text");
        not_text_.insert(key);
      }
      if (!seen.insert(key).second) {
        diagnostics_.add(Rank::invalid_value, child_path(key), it->first,
                         "duplicate key (each key may appear once)");
        continue;
      }
      entries_.emplace_back(key, it->second);
    }
  }

  [[nodiscard]] bool present(const std::string& key) {
    asked_.push_back(key);
    return find(key) != nullptr;
  }
  [[nodiscard]] const YAML::Node& node() const { return node_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string child_path(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }
  Diagnostics& diagnostics() { return diagnostics_; }

  // The value node of `key`, or nullptr (after reporting it when required).
  const YAML::Node* get(const std::string& key, bool required) {
    asked_.push_back(key);
    const YAML::Node* found = find(key);
    if (!found && required) {
      diagnostics_.add(Rank::missing_key, child_path(key), node_, "required key is missing");
    }
    return found;
  }

  void invalid(const std::string& key, const std::string& text) {
    const YAML::Node* found = find(key);
    diagnostics_.add(Rank::invalid_value, child_path(key), found ? *found : node_, text);
  }

  std::optional<std::int64_t> integer(const std::string& key, bool required, std::int64_t min,
                                      std::int64_t max = max_count) {
    const YAML::Node* node = get(key, required);
    if (!node) return std::nullopt;
    return read_integer(*node, child_path(key), min, max);
  }

  std::optional<std::int64_t> read_integer(const YAML::Node& node, const std::string& path,
                                           std::int64_t min, std::int64_t max) {
    const auto value = exact_integer(node);
    if (!value) {
      diagnostics_.add(Rank::invalid_value, path, node,
                       "must be an integer, got " + describe(node));
      return std::nullopt;
    }
    if (*value < min) {
      diagnostics_.add(Rank::invalid_value, path, node,
                       "must be ≥ " + std::to_string(min) + ", got " + describe(node));
      return std::nullopt;
    }
    if (*value > max) {
      diagnostics_.add(Rank::invalid_value, path, node,
                       "must be ≤ " + std::to_string(max) + (max == max_count ? " (2^53)" : "") +
                           ", got " + describe(node));
      return std::nullopt;
    }
    return value;
  }

  // A finite number in [min, max]; `min_exclusive` makes the lower bound strict.
  std::optional<double> number(const std::string& key, bool required, double min,
                               bool min_exclusive = false, double max = infinity) {
    const YAML::Node* node = get(key, required);
    if (!node) return std::nullopt;
    const auto value = as_number(*node);
    const std::string bound = std::string(min_exclusive ? "> " : "≥ ") + format(min) +
                              (max < infinity ? " and ≤ " + format(max) : "");
    if (!value || !std::isfinite(*value)) {
      invalid(key, "must be a finite number " + bound + ", got " + describe(*node));
      return std::nullopt;
    }
    if (*value < min || (min_exclusive && *value == min) || *value > max) {
      invalid(key, "must be " + bound + ", got " + describe(*node));
      return std::nullopt;
    }
    return value;
  }

  // A hyperparameter > 0 that reaches the kernels as a float: a normal float, so that it is
  // neither rounded to 0 (1e-50) nor beyond float's range.
  std::optional<double> positive_float(const std::string& key) {
    const YAML::Node* node = get(key, false);
    if (!node) return std::nullopt;
    const auto value = as_number(*node);
    if (!value || !(*value >= std::numeric_limits<float>::min() &&
                    *value <= std::numeric_limits<float>::max())) {
      invalid(key, "must be a number > 0 that a float holds (1.2e-38 to 3.4e38), got " +
                       describe(*node));
      return std::nullopt;
    }
    return value;
  }

  std::optional<bool> boolean(const std::string& key) {
    const YAML::Node* node = get(key, false);
    if (!node) return std::nullopt;
    const std::string text = is_plain_scalar(*node) ? node->Scalar() : "";
    if (text == "true" || text == "True") return true;
    if (text == "false" || text == "False") return false;
    invalid(key, "must be true or false, got " + describe(*node));
    return std::nullopt;
  }

  std::optional<std::string> text(const std::string& key, bool required) {
    const YAML::Node* node = get(key, required);
    if (!node || not_text_.contains(key)) return std::nullopt;
    if (!node->IsScalar() || node->Scalar().empty()) {
      invalid(key, "must be a non-empty string, got " + describe(*node));
      return std::nullopt;
    }
    // A carriage return or an escape sequence in a name is a pasting accident, and one that
    // would reach the terminal through every report.
    const std::string& value = node->Scalar();
    const auto control = std::find_if(value.begin(), value.end(), [](char c) {
      return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
    });
    if (control != value.end()) {
      char code[8];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned char>(*control));
      invalid(key, std::string("must not hold control characters; holds ") + code + " at " +
                       std::to_string(control - value.begin() + 1));
      return std::nullopt;
    }
    return value;
  }

  // A currency as ISO 4217 writes it; anything else is named as wrong.
  std::optional<std::string> currency_code(const std::string& key, bool required) {
    auto code = text(key, required);
    if (code && !is_currency_code(*code)) {
      invalid(key, "must be a 3-letter upper-case currency code such as USD, EUR or CNY; got '" +
                       *code + "'");
      return std::nullopt;
    }
    return code;
  }

  // One of `names`; returns its index.
  std::optional<std::size_t> choice(const std::string& key, bool required,
                                    const std::vector<std::string>& names) {
    const auto given = text(key, required);
    if (!given) return std::nullopt;
    const auto it = std::find(names.begin(), names.end(), *given);
    if (it == names.end()) {
      invalid(key, "must be one of " + join(names) + "; got '" + *given + "'" +
                       suggestion(*given, names));
      return std::nullopt;
    }
    return static_cast<std::size_t>(it - names.begin());
  }

  // Whether `key` is given, taking it as handled without offering it as a "did you mean" for
  // others: a key that is refused with its own explanation (another optimizer's) is no spelling
  // to suggest.
  [[nodiscard]] bool claim(const std::string& key) {
    claimed_.push_back(key);
    return find(key) != nullptr;
  }

  // Stops finish() from reporting any key of this mapping.
  void accept_all_keys() {
    for (const auto& entry : entries_)
      asked_.push_back(entry.first);
  }

  // Reports keys nobody asked for, with the nearest known key.
  void finish() {
    for (const auto& [key, value] : entries_) {
      if (std::find(asked_.begin(), asked_.end(), key) != asked_.end() ||
          std::find(claimed_.begin(), claimed_.end(), key) != claimed_.end())
        continue;
      diagnostics_.add(Rank::unknown_key, child_path(key), value,
                       "unknown key" + (asked_.empty() ? std::string() : suggestion(key, asked_)));
    }
  }

  static std::string format(double x) {
    std::ostringstream out;
    out << x;
    return out.str();
  }

private:
  const YAML::Node* find(const std::string& key) const {
    for (const auto& [name, value] : entries_) {
      if (name == key) return &value;
    }
    return nullptr;
  }

  YAML::Node node_;
  std::string path_;
  Diagnostics& diagnostics_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
  std::vector<std::string> asked_;
  std::vector<std::string> claimed_; // handled, but no suggestion for a misspelt key
  std::set<std::string> not_text_;   // reported as invalid UTF-8 already
};

template <typename Enum>
std::optional<Enum> enum_choice(Section& s, const std::string& key, bool required,
                                const std::vector<std::string>& names) {
  const auto index = s.choice(key, required, names);
  return index ? std::optional<Enum>(static_cast<Enum>(*index)) : std::nullopt;
}

} // namespace epochcost::config::detail
