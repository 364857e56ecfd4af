// A kite::Error that is the caller's mistake in how kite was invoked (an option value kite cannot
// honour), not a problem with a model or a file: main() reports it with exit code 2, like the
// usage errors CLI11 finds while parsing.
#pragma once
#include "kite/error.h"

namespace kite::cli {

class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace kite::cli
