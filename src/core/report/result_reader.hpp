#pragma once
// Typed reads of a result document (epochcost.result/1) by dotted path, for the commands that take
// result files back in (compare --pricing, project). A missing, null or mistyped field is an
// InputError naming the file and the path, never a crash on a hand-edited or truncated file.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace epochcost::report {

class ResultReader {
public:
  // Both must outlive the reader.
  ResultReader(const nlohmann::json& result, const std::string& file)
      : result_(result), file_(file) {}

  [[nodiscard]] const nlohmann::json& at(const std::string& path) const;
  [[nodiscard]] bool has(const std::string& path) const;
  [[nodiscard]] double number(const std::string& path) const;
  [[nodiscard]] std::int64_t integer(const std::string& path) const;
  [[nodiscard]] bool flag(const std::string& path) const;
  [[nodiscard]] std::string text(const std::string& path) const;
  // at(path), which must be an object.
  [[nodiscard]] const nlohmann::json& object(const std::string& path) const;

private:
  template <typename T>
  T typed(const std::string& path, bool (nlohmann::json::*is)() const noexcept,
          const char* kind) const;
  const nlohmann::json& result_;
  const std::string& file_;
};

} // namespace epochcost::report
