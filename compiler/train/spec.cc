#include "compiler/train/spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/train/layers.h"

namespace kiln {
namespace train {
namespace {

struct Token {
  std::string text;
  int column = 0;  // 1-based
};

std::vector<Token> tokenize(const std::string& line) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < line.size() && line[i] != '#') {
    if (std::isspace(static_cast<unsigned char>(line[i]))) {
      ++i;
      continue;
    }
    Token t;
    t.column = static_cast<int>(i) + 1;
    while (i < line.size() && line[i] != '#' && !std::isspace(static_cast<unsigned char>(line[i])))
      t.text += line[i++];
    tokens.push_back(std::move(t));
  }
  return tokens;
}

class Parser {
 public:
  Parser(std::string label, uint64_t seed) : label_(std::move(label)), seed_(seed) {}

  void line(int number, const std::vector<Token>& tokens) {
    line_ = number;
    const Token& layer = tokens[0];
    if (softmax_) fail(layer, "nothing may follow softmax");
    if (layer.text == "input") return input(tokens);
    if (!layers_) fail(layer, "the first layer must be 'input HEIGHT WIDTH CHANNELS'");
    if (layer.text == "conv" || layer.text == "depthwise") return window(tokens);
    if (layer.text == "maxpool") return max_pool(tokens);
    if (layer.text == "globalpool") return shape_change(tokens, &Layers::global_average_pool);
    if (layer.text == "flatten") return shape_change(tokens, &Layers::flatten);
    if (layer.text == "dense") return dense(tokens);
    if (layer.text == "softmax") return softmax(tokens);
    fail(layer, fmt::format("unknown layer '{}' (expected input, conv, depthwise, maxpool, "
                            "globalpool, flatten, dense or softmax)",
                            layer.text));
  }

  ir::Graph finish(int last_line) {
    line_ = last_line;
    const Token end{"", 1};
    if (!layers_) fail(end, "no layers: the first must be 'input HEIGHT WIDTH CHANNELS'");
    if (layers_->shape().size() != 2 || !dense_last_) {
      fail(end, "the model must end with a dense layer (its scores per class)");
    }
    return layers_->softmax();
  }

 private:
  [[noreturn]] void fail(const Token& at, const std::string& message) const {
    throw Error(ErrorKind::kBadInput,
                fmt::format("{}:{}:{}: {}", label_, line_, at.column, message));
  }

  int32_t number(const Token& t, const std::string& text, int32_t lo, int32_t hi) const {
    try {
      size_t used = 0;
      const int value = std::stoi(text, &used);
      if (used == text.size() && value >= lo && value <= hi) return value;
    } catch (const std::exception&) {
    }
    fail(t, fmt::format("'{}': expected an integer from {} to {}", text, lo, hi));
  }

  // Positional values and key=value options after the layer's name.
  struct Arguments {
    std::vector<Token> values;
    std::map<std::string, Token> options;  // the token holds the value
  };
  Arguments arguments(const std::vector<Token>& tokens, size_t values,
                      const std::vector<std::string>& keys) const {
    Arguments a;
    for (size_t i = 1; i < tokens.size(); ++i) {
      const Token& t = tokens[i];
      const size_t eq = t.text.find('=');
      if (eq == std::string::npos) {
        if (a.values.size() == values || !a.options.empty()) {
          fail(t, fmt::format("'{}': {} takes {} value{}{}", t.text, tokens[0].text, values,
                              values == 1 ? "" : "s",
                              keys.empty() ? "" : " before its key=value options"));
        }
        a.values.push_back(t);
        continue;
      }
      const std::string key = t.text.substr(0, eq);
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        fail(t, fmt::format("'{}': {} has no option '{}'", t.text, tokens[0].text, key));
      }
      if (a.options.count(key)) fail(t, fmt::format("'{}' is given twice", key));
      a.options[key] = {t.text.substr(eq + 1), t.column + static_cast<int>(eq) + 1};
    }
    return a;
  }

  void need_values(const std::vector<Token>& tokens, const Arguments& a, size_t n,
                   const char* what) const {
    if (a.values.size() == n) return;
    const Token& last = tokens.back();
    fail({"", last.column + static_cast<int>(last.text.size())},
         fmt::format("{} needs {}", tokens[0].text, what));
  }

  ir::Activation activation(const Arguments& a, ir::Activation fallback) const {
    const auto it = a.options.find("activation");
    if (it == a.options.end()) return fallback;
    const std::string& v = it->second.text;
    if (v == "relu") return ir::Activation::kRelu;
    if (v == "relu6") return ir::Activation::kRelu6;
    if (v == "none") return ir::Activation::kNone;
    fail(it->second, fmt::format("activation '{}': expected relu, relu6 or none", v));
  }

  int32_t option(const Arguments& a, const std::string& key, int32_t fallback, int32_t hi) const {
    const auto it = a.options.find(key);
    return it == a.options.end() ? fallback : number(it->second, it->second.text, 1, hi);
  }

  void need_image(const Token& layer) const {
    if (layers_->shape().size() != 4) {
      fail(layer, fmt::format("{} needs an image, and the value is already flat", layer.text));
    }
  }

  void input(const std::vector<Token>& tokens) {
    if (layers_) fail(tokens[0], "'input' is given twice");
    const Arguments a = arguments(tokens, 3, {});
    need_values(tokens, a, 3, "HEIGHT WIDTH CHANNELS");
    ImageShape shape;
    shape.height = number(a.values[0], a.values[0].text, 1, 4096);
    shape.width = number(a.values[1], a.values[1].text, 1, 4096);
    shape.channels = number(a.values[2], a.values[2].text, 1, 4096);
    layers_ = std::make_unique<Layers>(shape, seed_);
  }

  void window(const std::vector<Token>& tokens) {
    const bool conv = tokens[0].text == "conv";
    need_image(tokens[0]);
    const Arguments a = arguments(tokens, conv ? 1 : 0, {"kernel", "stride", "activation"});
    if (conv) need_values(tokens, a, 1, "its output channels");
    const int32_t kernel = option(a, "kernel", 3, 15);
    const int32_t stride = option(a, "stride", 1, 4);
    const ir::Activation act = activation(a, ir::Activation::kRelu);
    if (conv) {
      layers_->conv(number(a.values[0], a.values[0].text, 1, 4096), kernel, stride, act);
    } else {
      layers_->depthwise(kernel, stride, act);
    }
    dense_last_ = false;
  }

  void max_pool(const std::vector<Token>& tokens) {
    need_image(tokens[0]);
    const Arguments a = arguments(tokens, 1, {});
    const int32_t size = a.values.empty() ? 2 : number(a.values[0], a.values[0].text, 1, 64);
    if (size > layers_->shape()[1] || size > layers_->shape()[2]) {
      fail(a.values.empty() ? tokens[0] : a.values[0],
           fmt::format("a {}x{} pool does not fit the {}x{} image", size, size, layers_->shape()[1],
                       layers_->shape()[2]));
    }
    layers_->max_pool(size);
    dense_last_ = false;
  }

  void shape_change(const std::vector<Token>& tokens, void (Layers::*op)()) {
    need_image(tokens[0]);
    arguments(tokens, 0, {});
    (layers_.get()->*op)();
    dense_last_ = false;
  }

  void dense(const std::vector<Token>& tokens) {
    if (layers_->shape().size() != 2) {
      fail(tokens[0], "dense needs a flat value: add 'flatten' or 'globalpool' before it");
    }
    const Arguments a = arguments(tokens, 1, {"activation"});
    need_values(tokens, a, 1, "its units");
    layers_->dense(number(a.values[0], a.values[0].text, 1, 65536),
                   activation(a, ir::Activation::kNone));
    dense_last_ = true;
  }

  void softmax(const std::vector<Token>& tokens) {
    arguments(tokens, 0, {});
    if (!dense_last_) fail(tokens[0], "softmax must follow a dense layer");
    softmax_ = true;
  }

  std::string label_;
  uint64_t seed_;
  int line_ = 0;
  std::unique_ptr<Layers> layers_;
  bool dense_last_ = false, softmax_ = false;
};

}  // namespace

ir::Graph parse_spec(const std::string& text, const std::string& label, uint64_t seed) {
  Parser parser(label, seed);
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::vector<Token> tokens = tokenize(line);
    if (!tokens.empty()) parser.line(number, tokens);
  }
  return parser.finish(number);
}

ir::Graph load_spec(const std::string& path, uint64_t seed) {
  const std::vector<uint8_t> bytes = read_file(path);
  return parse_spec(std::string(bytes.begin(), bytes.end()), path, seed);
}

}  // namespace train
}  // namespace kiln
