#include "report/result_reader.hpp"

#include "util/errors.hpp"

namespace epochcost::report {

const nlohmann::json& ResultReader::at(const std::string& path) const {
  const nlohmann::json* node = &result_;
  for (std::size_t start = 0; start <= path.size();) {
    const auto dot = path.find('.', start);
    const std::string key = path.substr(start, dot - start);
    if (!node->is_object() || !node->contains(key) || (*node)[key].is_null()) {
      throw InputError(file_ + ": the result has no " + path);
    }
    node = &(*node)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *node;
}

bool ResultReader::has(const std::string& path) const {
  try {
    (void)at(path);
    return true;
  } catch (const InputError&) {
    return false;
  }
}

template <typename T>
T ResultReader::typed(const std::string& path, bool (nlohmann::json::*is)() const noexcept,
                      const char* kind) const {
  const auto& value = at(path);
  if (!(value.*is)()) throw InputError(file_ + ": " + path + " is not " + kind);
  return value.get<T>();
}

double ResultReader::number(const std::string& path) const {
  return typed<double>(path, &nlohmann::json::is_number, "a number");
}

std::int64_t ResultReader::integer(const std::string& path) const {
  return typed<std::int64_t>(path, &nlohmann::json::is_number_integer, "an integer");
}

bool ResultReader::flag(const std::string& path) const {
  return typed<bool>(path, &nlohmann::json::is_boolean, "true or false");
}

std::string ResultReader::text(const std::string& path) const {
  return typed<std::string>(path, &nlohmann::json::is_string, "a string");
}

const nlohmann::json& ResultReader::object(const std::string& path) const {
  const auto& value = at(path);
  if (!value.is_object()) throw InputError(file_ + ": " + path + " is not an object");
  return value;
}

} // namespace epochcost::report
