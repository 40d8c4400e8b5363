#pragma once
// Typed, range-checked reads of a result document (epochcost.result/1) by dotted path, for the
// commands that take result files back in: compare (with --pricing and --currency), project and
// history import. A missing, null, mistyped or out-of-range figure is an InputError naming the file
// and the path ("r.json: cost.per_epoch: must be a finite number >= 0, got -3"), never a crash or
// a hand-edited figure taken on trust. The ranges are the schema's, in one table
// (result_reader.cpp) that the reads and check() both apply.
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace epochcost::report {

// A result document and the file it was read from, which every message about it names.
struct ResultFile {
  std::string file;
  nlohmann::json result; // epochcost.result/1
};

class ResultReader {
public:
  // Both must outlive the reader.
  ResultReader(const nlohmann::json& result, const std::string& file)
      : result_(result), file_(file) {}
  explicit ResultReader(const ResultFile& result) : ResultReader(result.result, result.file) {}

  // The schema, and every figure of the table that the result has (what a reader needs is
  // required by its reads). Readers call it first, so that a broken figure is refused even where
  // that reader only passes it on (history import stores the whole result).
  void check() const;

  [[nodiscard]] const std::string& file() const { return file_; }
  // A measurement (`run`), not an estimate: it has timing.
  [[nodiscard]] bool measured() const;

  [[nodiscard]] const nlohmann::json& at(const std::string& path) const;
  [[nodiscard]] bool has(const std::string& path) const;
  // Numbers are finite, and in the range the table gives their path.
  [[nodiscard]] double number(const std::string& path) const;
  [[nodiscard]] std::int64_t integer(const std::string& path) const;
  // integer(path), or `fallback` when the result has no such figure.
  [[nodiscard]] std::int64_t integer_or(const std::string& path, std::int64_t fallback) const;
  [[nodiscard]] bool flag(const std::string& path) const;
  [[nodiscard]] std::string text(const std::string& path) const;
  [[nodiscard]] const nlohmann::json& object(const std::string& path) const;
  // A 95% interval: the [low, high] array at `path` (epoch.seconds_ci95) or the ci95_low and
  // ci95_high of the statistic at `path` (timing.t_batch_s). nullopt when the result has none (too
  // few samples, an estimate); else low <= high, both in the range of the figure.
  [[nodiscard]] std::optional<std::array<double, 2>> interval(const std::string& path) const;
  // An RFC 3339 time, in UTC to the millisecond as epochcost writes it
  // (2026-11-29T14:10:33.786Z), so that the order of the texts is the order of the times.
  [[nodiscard]] std::string timestamp(const std::string& path) const;

private:
  // The node at `path`, which may be null; nullptr when a key on the way is missing.
  [[nodiscard]] const nlohmann::json* find(const std::string& path) const;
  template <typename T>
  T typed(const std::string& path, bool (nlohmann::json::*is)() const noexcept,
          const char* kind) const;
  const nlohmann::json& result_;
  const std::string& file_;
};

// `text` as UTC to the millisecond (2026-11-29T14:10:33.786Z) when it is an RFC 3339 date-time
// (T or t, Z or z or a ±hh:mm offset, any fraction of a second), else nullopt.
[[nodiscard]] std::optional<std::string> utc_rfc3339(const std::string& text);

} // namespace epochcost::report
