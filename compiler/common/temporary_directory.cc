#include "compiler/common/temporary_directory.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "compiler/common/error.h"

namespace kiln {

TemporaryDirectory::TemporaryDirectory() {
  char pattern[] = "/tmp/kiln-XXXXXX";
  if (!mkdtemp(pattern)) {
    throw Error(ErrorKind::kFileNotFound,
                fmt::format("cannot create a temporary directory: {}", std::strerror(errno)));
  }
  path_ = pattern;
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;  // a destructor must not throw; nothing to do if /tmp refuses
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace kiln
