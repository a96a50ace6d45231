// Parsing the text/template subset (template.h) into the tree of
// template_internal.h, checking what Go's parser checks when the template
// is defined: syntax, variables declared before use, functions that exist.
//
// HOW IT WORKS: one pass over the text. Text runs until "{{"; an action
// runs to "}}" and is cut into tokens (variables, fields, identifiers,
// literals, parentheses, pipes). `if` opens a branch that `else` and `end`
// close; the variables in scope are a stack that a branch restores.

#include <cctype>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>

#include "adapters/rules/template_internal.h"
#include "base/text.h"

namespace overtone::rules::template_internal {
namespace {

struct Token {
  enum Kind { kEnd, kVariable, kField, kDot, kIdent, kLiteral, kOpen, kClose, kPipe, kDeclare, kAssign } kind;
  std::string text;  // the name, or the literal as written
  Value literal;
  size_t pos = 0;  // in the whole text
};

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Parser {
 public:
  Parser(std::string_view text, std::string_view name) : text_(text), name_(name) {
    for (std::string_view v : kPredefinedVariables) scope_.emplace_back(v);
  }

  Result<std::unique_ptr<Node>> Run() {
    auto root = std::make_unique<Node>();
    std::string_view stop;
    if (Status s = ParseList(root.get(), &stop); !s.ok()) return s;
    if (!stop.empty()) return Error(stop_pos_, "unexpected {{" + std::string(stop) + "}}");
    return root;
  }

 private:
  Status Error(size_t pos, const std::string& message) const {
    int line = 1;
    for (size_t i = 0; i < pos && i < text_.size(); ++i) line += text_[i] == '\n';
    return Status::InvalidArgument("template: " + std::string(name_) + ":" + std::to_string(line) + ": " +
                                   message);
  }

  // Parses nodes into `list` until {{else}}, {{else if ...}} or {{end}}
  // (named in *stop) or the end of the text (*stop empty).
  Status ParseList(Node* list, std::string_view* stop) {
    *stop = "";
    while (pos_ < text_.size()) {
      size_t open = text_.find("{{", pos_);
      std::string_view chunk = text_.substr(pos_, open == std::string_view::npos ? open : open - pos_);
      size_t action = open == std::string_view::npos ? text_.size() : open + 2;
      bool trim_left = action + 1 < text_.size() && text_[action] == '-' &&
                       std::isspace(static_cast<unsigned char>(text_[action + 1]));
      std::string piece(chunk);
      if (trim_left) {
        while (!piece.empty() && std::isspace(static_cast<unsigned char>(piece.back()))) piece.pop_back();
      }
      if (trim_next_) {
        size_t k = 0;
        while (k < piece.size() && std::isspace(static_cast<unsigned char>(piece[k]))) ++k;
        piece.erase(0, k);
        trim_next_ = false;
      }
      if (!piece.empty())
        list->nodes.push_back(std::make_unique<Node>(Node{.kind = Node::kText, .text = piece}));
      if (open == std::string_view::npos) {
        pos_ = text_.size();
        break;
      }
      pos_ = action + (trim_left ? 2 : 0);
      action_start_ = open;
      if (Status s = ParseAction(list, stop); !s.ok()) return s;
      if (!stop->empty()) return Status::OK();
    }
    return Status::OK();
  }

  // After "{{": a comment, a keyword, or a pipeline.
  Status ParseAction(Node* list, std::string_view* stop) {
    size_t p = pos_;
    if (text_.substr(p, 2) == "/*") {
      size_t close = text_.find("*/", p + 2);
      if (close == std::string_view::npos) return Error(p, "unclosed comment");
      pos_ = close + 2;
      return CloseAction();
    }
    Token t = Peek();
    if (t.kind == Token::kIdent) {
      const std::string& w = t.text;
      if (w == "end" || w == "else") {
        Next();
        stop_pos_ = t.pos;
        *stop = w == "end" ? "end" : "else";
        if (w == "else") {
          Token n = Peek();
          if (n.kind == Token::kIdent && n.text == "if") {
            Next();
            *stop = "else if";
            return Status::OK();  // the caller parses the condition
          }
        }
        return CloseAction();
      }
      if (w == "if") {
        Next();
        return ParseIf(list);
      }
      if (w == "range" || w == "with" || w == "define" || w == "template" || w == "block" || w == "break" ||
          w == "continue") {
        return Error(t.pos, "unsupported template construct \"" + w + "\" (docs/RULES.md lists the subset)");
      }
    }
    auto pipe = ParsePipe(/*in_parens=*/false);
    if (!pipe.ok()) return pipe.status();
    if (Status s = CloseAction(); !s.ok()) return s;
    auto node = std::make_unique<Node>();
    node->kind = Node::kAction;
    node->pipe = std::move(*pipe);
    list->nodes.push_back(std::move(node));
    return Status::OK();
  }

  // After "if": the condition, the branch, and else / else if / end.
  Status ParseIf(Node* list) {
    auto node = std::make_unique<Node>();
    node->kind = Node::kIf;
    size_t depth = scope_.size();
    auto pipe = ParsePipe(false);
    if (!pipe.ok()) return pipe.status();
    if (Status s = CloseAction(); !s.ok()) return s;
    node->pipe = std::move(*pipe);
    node->then_list = std::make_unique<Node>();
    std::string_view stop;
    if (Status s = ParseList(node->then_list.get(), &stop); !s.ok()) return s;
    scope_.resize(depth);
    if (stop.empty()) return Error(text_.size(), "unexpected EOF");
    if (stop == "else if") {
      node->else_list = std::make_unique<Node>();
      if (Status s = ParseIf(node->else_list.get()); !s.ok()) return s;
    } else if (stop == "else") {
      node->else_list = std::make_unique<Node>();
      if (Status s = ParseList(node->else_list.get(), &stop); !s.ok()) return s;
      scope_.resize(depth);
      if (stop != "end")
        return Error(stop.empty() ? text_.size() : stop_pos_,
                     "expected end; found " + std::string(stop.empty() ? "EOF" : stop));
    }
    list->nodes.push_back(std::move(node));
    return Status::OK();
  }

  // Expects "}}" or " -}}" next.
  Status CloseAction() {
    size_t p = pos_;
    while (p < text_.size() && std::isspace(static_cast<unsigned char>(text_[p]))) ++p;
    if (text_.substr(p, 3) == "-}}" && p > pos_) {
      trim_next_ = true;
      pos_ = p + 3;
      return Status::OK();
    }
    if (text_.substr(p, 2) == "}}") {
      pos_ = p + 2;
      return Status::OK();
    }
    if (p >= text_.size()) return Error(p, "unclosed action");
    Token t = Peek();
    return Error(t.pos, "unexpected \"" + t.text + "\" in command");
  }

  Result<std::unique_ptr<Pipe>> ParsePipe(bool in_parens) {
    auto pipe = std::make_unique<Pipe>();
    Token first = Peek();
    std::string declared;
    if (first.kind == Token::kVariable) {
      size_t save = pos_;
      Next();
      Token op = Peek();
      if (op.kind == Token::kDeclare) {
        Next();
        declared = first.text;
      } else if (op.kind == Token::kAssign) {
        return Error(op.pos, "unsupported template construct \"=\" (assignment)");
      } else {
        pos_ = save;
      }
    }
    while (true) {
      Command cmd;
      size_t start = Peek().pos;
      while (true) {
        Token t = Peek();
        if (t.kind == Token::kEnd || t.kind == Token::kPipe || t.kind == Token::kClose) break;
        auto operand = ParseOperand(cmd.args.empty());
        if (!operand.ok()) return operand.status();
        cmd.args.push_back(std::move(*operand));
      }
      if (cmd.args.empty()) return Error(start, "missing value for command");
      cmd.text = std::string(Trim(text_.substr(start, pos_ - start)));
      Position(start, &cmd.line, &cmd.column);
      pipe->commands.push_back(std::move(cmd));
      Token t = Peek();
      if (t.kind == Token::kPipe) {
        Next();
        continue;
      }
      if (t.kind == Token::kClose && !in_parens) return Error(t.pos, "unexpected right paren");
      if (t.kind == Token::kEnd && in_parens) return Error(t.pos, "unclosed left paren");
      break;
    }
    if (!declared.empty()) {
      pipe->declare = declared;
      scope_.push_back(declared);
    }
    return pipe;
  }

  Result<Operand> ParseOperand(bool first_in_command) {
    Token t = Next();
    Operand op;
    switch (t.kind) {
      case Token::kVariable:
        if (!InScope(t.text)) return Error(t.pos, "undefined variable \"" + t.text + "\"");
        op.kind = Operand::kVariable;
        op.name = t.text;
        break;
      case Token::kDot: op.kind = Operand::kDot; break;
      case Token::kField:
        op.kind = Operand::kDot;
        op.fields.push_back(t.text);
        break;
      case Token::kLiteral:
        op.kind = Operand::kLiteral;
        op.literal = t.literal;
        break;
      case Token::kIdent:
        if (t.text == "true" || t.text == "false") {
          op.literal = Value::Bool(t.text == "true");
          break;
        }
        if (t.text == "nil") return Error(t.pos, "nil is not a command");
        if (!IsSupportedFunction(t.text)) {
          if (IsKnownUnsupportedFunction(t.text)) {
            return Error(t.pos,
                         "unsupported template function \"" + t.text + "\" (docs/RULES.md lists the subset)");
          }
          return Error(t.pos, "function \"" + t.text + "\" not defined");
        }
        op.kind = Operand::kFunction;
        op.name = t.text;
        return op;
      case Token::kOpen: {
        auto inner = ParsePipe(true);
        if (!inner.ok()) return inner.status();
        if (Next().kind != Token::kClose) return Error(pos_, "unclosed left paren");
        op.kind = Operand::kPipe;
        op.pipe = std::move(*inner);
        break;
      }
      default: return Error(t.pos, "unexpected \"" + t.text + "\" in operand");
    }
    while (Peek().kind == Token::kField && pos_ < text_.size() && text_[pos_] == '.') {
      op.fields.push_back(Next().text);
    }
    return op;
  }

  bool InScope(const std::string& v) const {
    for (const std::string& s : scope_) {
      if (s == v) return true;
    }
    return false;
  }

  void Position(size_t pos, int* line, int* column) const {
    *line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < pos; ++i) {
      if (text_[i] == '\n') {
        ++*line;
        line_start = i + 1;
      }
    }
    *column = static_cast<int>(pos - line_start) + (*line == 1 ? kPrefixColumns : 0);
  }

  static std::string_view Trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    return s;
  }

  Token Peek() {
    size_t save = pos_;
    Token t = Next();
    pos_ = save;
    return t;
  }

  // The next token of an action; kEnd at "}}", " -}}" or the end of the text.
  Token Next() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    size_t p = pos_;
    Token t{.kind = Token::kEnd, .pos = p};
    if (p >= text_.size() || text_.substr(p, 2) == "}}" || text_.substr(p, 3) == "-}}") return t;
    char c = text_[p];
    auto word_end = [&](size_t from) {
      while (from < text_.size() && IsIdentChar(text_[from])) ++from;
      return from;
    };
    if (c == '$') {
      size_t e = word_end(p + 1);
      t.kind = Token::kVariable;
      t.text = std::string(text_.substr(p, e - p));
      pos_ = e;
    } else if (c == '.' && p + 1 < text_.size() &&
               (std::isalpha(static_cast<unsigned char>(text_[p + 1])) || text_[p + 1] == '_')) {
      size_t e = word_end(p + 1);
      t.kind = Token::kField;
      t.text = std::string(text_.substr(p + 1, e - p - 1));
      pos_ = e;
    } else if (c == '.' &&
               !(p + 1 < text_.size() && std::isdigit(static_cast<unsigned char>(text_[p + 1])))) {
      t.kind = Token::kDot;
      t.text = ".";
      pos_ = p + 1;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t e = word_end(p);
      t.kind = Token::kIdent;
      t.text = std::string(text_.substr(p, e - p));
      pos_ = e;
    } else if (c == '"' || c == '`') {
      StringLiteral lit = ReadStringLiteral(text_, p);
      t.text = std::string(text_.substr(p, 1));
      if (lit.error != StringLiteral::kNone) {
        t.kind = Token::kAssign;  // no token takes it: the caller reports it as unexpected
        t.text = "bad string literal";
        pos_ = text_.size();
        return t;
      }
      t.kind = Token::kLiteral;
      t.literal = Value::String(lit.value);
      pos_ = lit.end;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               ((c == '-' || c == '+' || c == '.') && p + 1 < text_.size() &&
                (std::isdigit(static_cast<unsigned char>(text_[p + 1])) || text_[p + 1] == '.'))) {
      size_t e = p + 1;
      while (e < text_.size() &&
             (IsIdentChar(text_[e]) || text_[e] == '.' ||
              ((text_[e] == '-' || text_[e] == '+') && (text_[e - 1] == 'e' || text_[e - 1] == 'E')))) {
        ++e;
      }
      std::string num(text_.substr(p, e - p));
      t.kind = Token::kLiteral;
      t.text = num;
      char* end = nullptr;
      bool is_float = num.find_first_of(".eEpP") != std::string::npos && num.find("0x") == std::string::npos;
      if (is_float) {
        double f = std::strtod(num.c_str(), &end);
        t.literal = Value::Float(f);
      } else {
        long long i = std::strtoll(num.c_str(), &end, 0);
        t.literal = Value::Int(i);
      }
      if (end == nullptr || *end != '\0') {
        t.kind = Token::kAssign;
        t.text = "bad number syntax: " + num;
      }
      pos_ = e;
    } else if (c == '(' || c == ')' || c == '|') {
      t.kind = c == '(' ? Token::kOpen : c == ')' ? Token::kClose : Token::kPipe;
      t.text = std::string(1, c);
      pos_ = p + 1;
    } else if (text_.substr(p, 2) == ":=") {
      t.kind = Token::kDeclare;
      t.text = ":=";
      pos_ = p + 2;
    } else if (c == '=') {
      t.kind = Token::kAssign;
      t.text = "=";
      pos_ = p + 1;
    } else {
      t.kind = Token::kAssign;  // no rule takes it
      t.text = std::string(1, c);
      pos_ = p + 1;
    }
    return t;
  }

  std::string_view text_;
  std::string_view name_;
  size_t pos_ = 0;
  size_t action_start_ = 0;
  size_t stop_pos_ = 0;
  bool trim_next_ = false;
  std::vector<std::string> scope_;
};

}  // namespace

Result<std::unique_ptr<Node>> ParseTemplate(std::string_view text, std::string_view name) {
  return Parser(text, name).Run();
}

}  // namespace overtone::rules::template_internal
