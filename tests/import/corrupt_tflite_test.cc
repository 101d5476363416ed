// Malformed .tflite files: truncated and corrupted ones get a clear Error from
// the importer and never a crash or an out-of-bounds access (the suite runs
// under ASan/UBSan).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/exec/host_runner.h"
#include "compiler/pipeline/compile.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

std::vector<uint8_t> model_file(const std::string& name) {
  return read_file(test::shared_dir() + "/models/" + name);
}

// Compiles and, if that succeeds, runs once on zero inputs. Returns true if
// the model was accepted; any failure must be a kiln::Error.
bool compile_and_run(const std::vector<uint8_t>& bytes) {
  try {
    const CompiledModel m = compile_tflite(bytes, "corrupt.tflite");
    HostRunner runner(m.blob);
    runner.set_loop_limit(1000);  // a flip can make a WHILE's condition always true
    for (size_t i = 0; i < runner.inputs().size(); ++i) {
      runner.set_input(i, std::vector<uint8_t>(runner.inputs()[i].bytes(), 0));
    }
    runner.invoke();
    return true;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()), "");
    return false;
  }
}

TEST(CorruptTflite, TruncatedAtEveryLengthIsRejected) {
  const std::vector<uint8_t> file = model_file("tflite_micro/hello_world_int8.tflite");
  for (size_t len = 0; len < file.size(); ++len) {
    const std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(len));
    try {
      compile_tflite(cut, "cut.tflite");
      ADD_FAILURE() << "accepted a file truncated to " << len << " bytes";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadModel) << len << ": " << e.what();
    }
  }
}

TEST(CorruptTflite, TruncatedLargeModelIsRejected) {
  const std::vector<uint8_t> file = model_file("mlcommons_tiny/kws_ref_model.tflite");
  for (size_t len = 0; len < file.size(); len += 97) {
    const std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(len));
    EXPECT_THROW(compile_tflite(cut, "cut.tflite"), Error) << len;
  }
}

TEST(CorruptTflite, WrongIdentifierIsNotAModel) {
  std::vector<uint8_t> file = model_file("tflite_micro/hello_world_int8.tflite");
  file[4] = 'X';
  EXPECT_EQ(detect_format(file), ModelFormat::kUnknown);
  try {
    compile_tflite(file, "x.tflite");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadModel);
    EXPECT_NE(std::string(e.what()).find("not a TFLite model"), std::string::npos) << e.what();
  }
}

TEST(CorruptTflite, FlippedBytesNeverCrash) {
  std::mt19937 rng(1234);
  for (const char* name :
       {"tflite_micro/hello_world_int8.tflite", "tflite_micro/network_tester_network_model.tflite",
        "tflite_micro/micro_speech_quantized.tflite"}) {
    const std::vector<uint8_t> file = model_file(name);
    int accepted = 0;
    for (int trial = 0; trial < 400; ++trial) {
      std::vector<uint8_t> bad = file;
      const int flips = 1 + trial % 4;
      for (int f = 0; f < flips; ++f) {
        // Most of a model file is weights; aim most flips at the flatbuffer tables.
        const size_t span = trial % 2 ? bad.size() : std::min<size_t>(bad.size(), 600);
        bad[rng() % span] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
      accepted += compile_and_run(bad);
    }
    SCOPED_TRACE(name);
    EXPECT_GT(accepted, 0);  // flips inside weights leave a valid model
  }
}

// Models with variables, several subgraphs and recurrent state: the
// importer's subgraph inlining and the state region under random flips.
TEST(CorruptTflite, FlippedStatefulModelsNeverCrash) {
  std::mt19937 rng(4321);
  for (const char* name : {"CALL_ONCE/f32_0", "VAR_HANDLE/i8_0", "IF/i32_0", "WHILE/i32_0",
                           "SVDF/i8_0", "UNIDIRECTIONAL_SEQUENCE_LSTM/i8_0"}) {
    const std::vector<uint8_t> file =
        read_file(test::shared_dir() + "/conformance/tflm_ops/" + name + "/model.tflite");
    for (int trial = 0; trial < 300; ++trial) {
      std::vector<uint8_t> bad = file;
      for (int f = 0; f < 1 + trial % 3; ++f) {
        bad[rng() % bad.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
      compile_and_run(bad);
    }
  }
}

}  // namespace
}  // namespace kiln
