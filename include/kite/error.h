// The one exception type kite throws. Its message is written for the person who ran the model:
// it names the file, node, input or value at fault and what was expected.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace kite {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

// Throws kite::Error with the parts streamed together: fail("node ", name, ": bad axis ", axis).
template <typename... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  throw Error(detail::concat(parts...));
}

}  // namespace kite

// Checks a condition that depends on user input (a model, a file, a tensor) and throws
// kite::Error when it does not hold. The message parts are only formatted on failure.
#define KITE_CHECK(cond, ...)                \
  do {                                       \
    if (!(cond)) ::kite::fail(__VA_ARGS__);  \
  } while (0)
