// Compiler errors: one exception type whose kind tells the command-line tool
// which exit code to use, and whose message names the file, op and tensor.
#ifndef KILN_COMPILER_COMMON_ERROR_H
#define KILN_COMPILER_COMMON_ERROR_H

#include <stdexcept>
#include <string>

namespace kiln {

enum class ErrorKind {
  kUsage = 1,          // bad command-line arguments
  kFileNotFound = 2,   // a file cannot be opened
  kBadModel = 3,       // not a model, truncated, corrupted or inconsistent
  kUnsupported = 4,    // a valid model kiln cannot compile (op, type, attribute)
  kBadInput = 5,       // an input file of the wrong size
  kArenaTooSmall = 6,  // the plan does not fit the given memory
  kRefused = 7,        // a model container that does not verify
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace kiln

#endif  // KILN_COMPILER_COMMON_ERROR_H
