// Names of TFLite's builtin operators by code, for messages about ops kiln
// does not support.
#ifndef KILN_COMPILER_TFLITE_BUILTIN_NAMES_H
#define KILN_COMPILER_TFLITE_BUILTIN_NAMES_H

#include <string>

namespace kiln {
namespace tflite_format {

std::string builtin_name(int code);
// The code of a builtin by name; -1 if there is none.
int builtin_code(const std::string& name);

}  // namespace tflite_format
}  // namespace kiln

#endif
