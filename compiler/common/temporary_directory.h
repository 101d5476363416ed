// A fresh directory under /tmp, removed with everything in it when the object
// goes, however its owner leaves (return or exception).
#ifndef KILN_COMPILER_COMMON_TEMPORARY_DIRECTORY_H
#define KILN_COMPILER_COMMON_TEMPORARY_DIRECTORY_H

#include <string>

namespace kiln {

class TemporaryDirectory {
 public:
  // Throws Error(kFileNotFound) if /tmp refuses a new directory.
  TemporaryDirectory();
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::string& path() const { return path_; }
  // The path of a file `name` inside it.
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace kiln

#endif
