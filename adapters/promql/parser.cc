// A recursive-descent parser with precedence climbing for the binary
// operators (lowest first: or; and unless; comparisons; + -; * / % atan2;
// ^ right-associative). Unary minus binds like `*`, so -a^b is -(a^b).

#include "adapters/promql/parser.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

#include "adapters/promql/functions.h"
#include "adapters/promql/lexer.h"
#include "engine/matcher_set.h"
#include "engine/selector_syntax.h"

namespace overtone::promql {
namespace {

constexpr int kPowPrecedence = 6;

struct OpInfo {
  BinaryOp op;
  int precedence;
};

bool IsKeyword(std::string_view w) {
  static constexpr std::string_view kKeywords[] = {"and",        "or",          "unless", "atan2",
                                                   "by",         "without",     "on",     "ignoring",
                                                   "group_left", "group_right", "bool",   "offset"};
  return std::find(std::begin(kKeywords), std::end(kKeywords), w) != std::end(kKeywords);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

ExprPtr NewExpr(Expr::Kind kind, size_t start, size_t end) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = PosRange{start, end};
  return e;
}

class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens) : q_(query), t_(std::move(tokens)) {}

  Result<ExprPtr> ParseTop() {
    if (Peek().kind == TokenKind::kEof) return Error(0, "no expression found in input");
    OT_ASSIGN_OR_RETURN(ExprPtr e, ParseBinary(0));
    if (Peek().kind != TokenKind::kEof) return Unexpected("");
    if (!type_error_.ok()) return type_error_;
    return e;
  }

 private:
  const Token& Peek(size_t k = 0) const { return t_[std::min(pos_ + k, t_.size() - 1)]; }
  const Token& Advance() { return t_[std::min(pos_++, t_.size() - 1)]; }
  bool PeekWord(std::string_view w, size_t k = 0) const {
    return Peek(k).kind == TokenKind::kIdentifier && Peek(k).text == w;
  }
  Status Error(size_t pos, std::string_view msg) const { return ParseError(q_, pos, msg); }
  // The lexer's error, once the parser has reached it.
  Status LexError() const { return Error(t_.back().pos, t_.back().text); }
  bool LexErrorBefore(size_t pos) const {
    return t_.back().kind == TokenKind::kError && t_.back().pos <= pos;
  }
  // Prometheus checks types (and a few other rules) only once the whole
  // query has parsed, so any syntax error, wherever it is, comes before
  // them: the first such error is kept and parsing goes on.
  void TypeError(size_t pos, std::string_view msg) {
    if (type_error_.ok()) type_error_ = Error(pos, msg);
  }
  // A token as Prometheus's parser names it: identifier "x", <by>,
  // <aggr:sum>, <op:+>, "(", number "1", string "\"a\"".
  std::string Describe(const Token& t) const {
    // Strings, numbers and durations longer than ten characters are cut.
    auto quoted = [&](std::string_view raw) {
      size_t cut = 0, runes = 0;
      while (cut < raw.size() && runes < 10) {
        const auto b = static_cast<unsigned char>(raw[cut]);
        cut += b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        ++runes;
      }
      if (cut >= raw.size()) return QuoteGo(raw);
      return QuoteGo(raw.substr(0, cut)) + "...";
    };
    switch (t.kind) {
      case TokenKind::kEof: return "end of input";
      case TokenKind::kIdentifier: {
        if (!t.label) {
          std::string lower = Lower(t.text);
          if (lower == "and" || lower == "or" || lower == "unless" || lower == "atan2")
            return "<op:" + t.text + ">";
          if (IsKeyword(lower) || lower == "start" || lower == "end") return "<" + t.text + ">";
          if (AggregateOpFromName(lower)) return "<aggr:" + t.text + ">";
        }
        if (t.text.find(':') != std::string::npos) return "metric identifier " + QuoteGo(t.text);
        return "identifier " + QuoteGo(t.text);
      }
      case TokenKind::kNumber: return "number " + quoted(t.text);
      case TokenKind::kDuration: return "duration " + quoted(t.text);
      case TokenKind::kString: return "string " + quoted(q_.substr(t.pos, t.end - t.pos));
      case TokenKind::kAdd:
      case TokenKind::kSub:
      case TokenKind::kMul:
      case TokenKind::kDiv:
      case TokenKind::kMod:
      case TokenKind::kPow:
      case TokenKind::kEql:
      case TokenKind::kNeq:
      case TokenKind::kLss:
      case TokenKind::kLte:
      case TokenKind::kGtr:
      case TokenKind::kGte:
      case TokenKind::kEqlRegex:
      case TokenKind::kNeqRegex: return "<op:" + t.text + ">";
      default: return TokenKindName(t.kind);
    }
  }
  Status Unexpected(std::string_view context, std::string_view expected = "") const {
    const Token& t = Peek();
    if (t.kind == TokenKind::kError) return LexError();
    // Prometheus's grammar recovers from an error anywhere in an
    // aggregation's arguments in the aggregation's rule, which names it.
    if (context.empty() && aggregation_depth_ > 0) context = "in aggregation";
    std::string msg = "unexpected " + Describe(t);
    if (!context.empty()) msg += " " + std::string(context);
    if (!expected.empty()) msg += ", expected " + std::string(expected);
    return Error(t.pos, msg);
  }
  // A number or duration token's value, or Prometheus's complaint about it.
  Status CheckValue(const Token& t) const {
    return t.value_error.empty() ? Status::OK() : Error(t.pos, t.value_error);
  }
  Status Expect(TokenKind kind, std::string_view context) {
    if (Peek().kind != kind) return Unexpected(context, TokenKindName(kind));
    Advance();
    return Status::OK();
  }

  static bool StartsExpression(const Token& t) {
    switch (t.kind) {
      case TokenKind::kIdentifier:
      case TokenKind::kNumber:
      case TokenKind::kDuration:
      case TokenKind::kString:
      case TokenKind::kLeftParen:
      case TokenKind::kLeftBrace:
      case TokenKind::kAdd:
      case TokenKind::kSub: return true;
      default: return false;
    }
  }

  std::optional<OpInfo> PeekBinaryOp() const {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kAdd: return OpInfo{BinaryOp::kAdd, 4};
      case TokenKind::kSub: return OpInfo{BinaryOp::kSub, 4};
      case TokenKind::kMul: return OpInfo{BinaryOp::kMul, 5};
      case TokenKind::kDiv: return OpInfo{BinaryOp::kDiv, 5};
      case TokenKind::kMod: return OpInfo{BinaryOp::kMod, 5};
      case TokenKind::kPow: return OpInfo{BinaryOp::kPow, kPowPrecedence};
      case TokenKind::kEql: return OpInfo{BinaryOp::kEql, 3};
      case TokenKind::kNeq: return OpInfo{BinaryOp::kNeq, 3};
      case TokenKind::kGtr: return OpInfo{BinaryOp::kGtr, 3};
      case TokenKind::kLss: return OpInfo{BinaryOp::kLss, 3};
      case TokenKind::kGte: return OpInfo{BinaryOp::kGte, 3};
      case TokenKind::kLte: return OpInfo{BinaryOp::kLte, 3};
      case TokenKind::kIdentifier:
        if (t.text == "and") return OpInfo{BinaryOp::kAnd, 2};
        if (t.text == "unless") return OpInfo{BinaryOp::kUnless, 2};
        if (t.text == "or") return OpInfo{BinaryOp::kOr, 1};
        if (t.text == "atan2") return OpInfo{BinaryOp::kAtan2, 5};
        return std::nullopt;
      default: return std::nullopt;
    }
  }

  Result<ExprPtr> ParseBinary(int min_prec) {
    // Every nesting (parentheses, signs, arguments) passes here, and every
    // operator of a chain (a + b + c) makes the tree one deeper. Bounding
    // the depth keeps a query of a few kilobytes from exhausting the stack,
    // here and in the recursive walks over the tree that follow.
    DepthGuard guard(&depth_);
    OT_RETURN_IF_ERROR(CheckDepth());
    OT_ASSIGN_OR_RETURN(ExprPtr lhs, ParseUnary());
    while (true) {
      std::optional<OpInfo> op = PeekBinaryOp();
      if (!op || op->precedence < min_prec) break;
      guard.Deeper();
      OT_RETURN_IF_ERROR(CheckDepth());
      size_t op_pos = Advance().pos;
      bool return_bool = false;
      std::optional<VectorMatching> matching;
      if (PeekWord("bool")) {
        Advance();
        return_bool = true;
      }
      if (PeekWord("on") || PeekWord("ignoring")) {
        matching.emplace();
        matching->on = Advance().text == "on";
        OT_ASSIGN_OR_RETURN(matching->labels, ParseLabelList("in grouping opts"));
      }
      // As in Prometheus's grammar, group_left and group_right follow on or ignoring.
      if (matching && (PeekWord("group_left") || PeekWord("group_right"))) {
        matching->card = Advance().text == "group_left" ? Cardinality::kManyToOne : Cardinality::kOneToMany;
        if (Peek().kind == TokenKind::kLeftParen) {
          OT_ASSIGN_OR_RETURN(matching->include, ParseLabelList("in grouping opts"));
        } else if (!StartsExpression(Peek())) {
          // Prometheus's grammar takes what cannot start the operand for a
          // missing label list.
          return Unexpected("in grouping opts", "\"(\"");
        }
      }
      int next_min = op->op == BinaryOp::kPow ? op->precedence : op->precedence + 1;
      OT_ASSIGN_OR_RETURN(ExprPtr rhs, ParseBinary(next_min));
      OT_ASSIGN_OR_RETURN(
          lhs, MakeBinary(op->op, op_pos, std::move(lhs), std::move(rhs), return_bool, std::move(matching)));
    }
    return lhs;
  }

  Result<ExprPtr> MakeBinary(BinaryOp op, size_t op_pos, ExprPtr lhs, ExprPtr rhs, bool return_bool,
                             std::optional<VectorMatching> matching) {
    // Type errors wait for the end of the parse (see TypeError); Prometheus
    // names the operator for some, the whole expression for others.
    ValueType lt = lhs->type(), rt = rhs->type();
    const size_t start = lhs->pos.start;
    if (return_bool && !IsComparison(op)) {
      TypeError(op_pos, "bool modifier can only be used on comparison operators");
    }
    if (IsComparison(op) && !return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
      TypeError(op_pos, "comparisons between scalars must use BOOL modifier");
    }
    if (matching && matching->on) {
      for (const std::string& l : matching->labels) {
        if (std::find(matching->include.begin(), matching->include.end(), l) != matching->include.end()) {
          TypeError(op_pos, "label \"" + l + "\" must not occur in ON and GROUP clause at once");
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      TypeError(lhs->pos.start, "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      TypeError(rhs->pos.start, "binary expression must contain only scalar and instant vector types");
    }
    bool both_vectors = lt == ValueType::kVector && rt == ValueType::kVector;
    if (!both_vectors) {
      if (matching &&
          (!matching->labels.empty() || matching->on || matching->card != Cardinality::kOneToOne)) {
        TypeError(start, "vector matching only allowed between instant vectors");
      }
      matching.reset();
      if (IsSetOperator(op)) {
        TypeError(start, std::string("set operator \"") + BinaryOpName(op) +
                             "\" not allowed in binary scalar expression");
      }
    } else {
      if (!matching) matching.emplace();
      if (IsSetOperator(op)) {
        if (matching->card != Cardinality::kOneToOne) {
          TypeError(start, std::string("no grouping allowed for \"") + BinaryOpName(op) + "\" operation");
        }
        matching->card = Cardinality::kManyToMany;
      }
    }
    ExprPtr e = NewExpr(Expr::Kind::kBinary, lhs->pos.start, rhs->pos.end);
    e->op = op;
    e->return_bool = return_bool;
    e->matching = std::move(matching);
    e->args.push_back(std::move(lhs));
    e->args.push_back(std::move(rhs));
    return e;
  }

  Result<ExprPtr> ParseUnary() {
    if (Peek().kind == TokenKind::kAdd || Peek().kind == TokenKind::kSub) {
      const Token& t = Advance();
      bool negate = t.kind == TokenKind::kSub;
      size_t start = t.pos;
      OT_ASSIGN_OR_RETURN(ExprPtr operand, ParseBinary(kPowPrecedence));
      ValueType type = operand->type();
      if (type != ValueType::kScalar && type != ValueType::kVector) {
        TypeError(start, std::string("unary expression only allowed on expressions of type scalar or "
                                     "instant vector, got \"") +
                             ValueTypeName(type) + "\"");
      }
      if (operand->kind == Expr::Kind::kNumber) {  // fold, as Prometheus does
        if (negate) operand->number = -operand->number;
        operand->pos.start = start;
        return operand;
      }
      ExprPtr e = NewExpr(Expr::Kind::kUnary, start, operand->pos.end);
      e->op = negate ? BinaryOp::kSub : BinaryOp::kAdd;
      e->args.push_back(std::move(operand));
      return e;
    }
    OT_ASSIGN_OR_RETURN(ExprPtr primary, ParsePrimary());
    return ParsePostfix(std::move(primary));
  }

  // A duration, or a number of seconds; `allow_sign` for offsets and `@`.
  Result<int64_t> ParseDurationOrSeconds(std::string_view context, bool allow_sign) {
    bool negative = false;
    if (allow_sign && (Peek().kind == TokenKind::kSub || Peek().kind == TokenKind::kAdd)) {
      negative = Advance().kind == TokenKind::kSub;
    }
    const Token& t = Peek();
    if (t.kind == TokenKind::kDuration) {
      OT_RETURN_IF_ERROR(CheckValue(t));
      Advance();
      return negative ? -t.duration_ms : t.duration_ms;
    }
    if (t.kind == TokenKind::kNumber) {
      OT_RETURN_IF_ERROR(CheckValue(t));
      Advance();
      double ms = std::round(t.number * 1000);
      if (!std::isfinite(ms) || std::fabs(ms) > 9.2e18) return Error(t.pos, "duration out of range");
      return negative ? -static_cast<int64_t>(ms) : static_cast<int64_t>(ms);
    }
    return Unexpected(context, "duration");
  }

  static bool AcceptsModifiers(const Expr& e) {
    return e.kind == Expr::Kind::kVectorSelector || e.kind == Expr::Kind::kMatrixSelector ||
           e.kind == Expr::Kind::kSubquery;
  }

  Result<ExprPtr> ParsePostfix(ExprPtr e) {
    while (true) {
      if (Peek().kind == TokenKind::kLeftBracket) {
        size_t bracket = Advance().pos;
        OT_ASSIGN_OR_RETURN(int64_t range, ParseDurationOrSeconds("in subquery selector", false));
        if (Peek().kind == TokenKind::kColon) {
          Advance();
          int64_t step = 0;
          if (Peek().kind != TokenKind::kRightBracket) {
            if (Peek().kind != TokenKind::kDuration && Peek().kind != TokenKind::kNumber) {
              return Unexpected("in subquery selector", "duration or \"]\"");
            }
            OT_ASSIGN_OR_RETURN(step, ParseDurationOrSeconds("in subquery selector", false));
          }
          OT_RETURN_IF_ERROR(Expect(TokenKind::kRightBracket, "in subquery selector"));
          if (e->type() != ValueType::kVector) {
            TypeError(e->pos.start, std::string("subquery is only allowed on instant vector, got ") +
                                        ValueTypeName(e->type()) + " instead");
          }
          ExprPtr sq = NewExpr(Expr::Kind::kSubquery, e->pos.start, Peek().pos);
          sq->range_ms = range;
          sq->step_ms = step;
          sq->args.push_back(std::move(e));
          e = std::move(sq);
          continue;
        }
        if (Peek().kind != TokenKind::kRightBracket)
          return Unexpected("in subquery or range", "\":\" or \"]\"");
        Advance();
        if (e->kind != Expr::Kind::kVectorSelector) {
          return Error(bracket, "ranges only allowed for vector selectors");
        }
        if (e->offset_ms != 0) return Error(bracket, "no offset modifiers allowed before range");
        if (e->at) return Error(bracket, "no @ modifiers allowed before range");
        if (range <= 0) return Error(bracket, "range must be positive");
        ExprPtr m = NewExpr(Expr::Kind::kMatrixSelector, e->pos.start, t_[pos_ - 1].end);
        m->range_ms = range;
        m->args.push_back(std::move(e));
        e = std::move(m);
        continue;
      }
      // Prometheus names the expression for these errors, not the keyword.
      if (PeekWord("offset")) {
        Advance();
        const size_t at = e->pos.start;
        // Prometheus checks where the offset may go once it has read it.
        OT_ASSIGN_OR_RETURN(int64_t offset, ParseDurationOrSeconds("in offset", true));
        if (!AcceptsModifiers(*e)) {
          return Error(at,
                       "offset modifier must be preceded by an instant vector selector or range vector "
                       "selector or a subquery");
        }
        Expr& target = e->kind == Expr::Kind::kMatrixSelector ? *e->args[0] : *e;
        if (target.offset_ms != 0) return Error(at, "offset may not be set multiple times");
        target.offset_ms = offset;
        e->pos.end = t_[pos_ - 1].end;
        continue;
      }
      if (Peek().kind == TokenKind::kAt) {
        Advance();
        const size_t at = e->pos.start;
        AtModifier mod;
        if ((PeekWord("start") || PeekWord("end")) && Peek(1).kind == TokenKind::kLeftParen) {
          mod.kind = Advance().text == "start" ? AtModifier::Kind::kStart : AtModifier::Kind::kEnd;
          Advance();
          if (Peek().kind != TokenKind::kRightParen) return Unexpected("in @", "timestamp");
          Advance();
        } else {
          bool negative = false;
          if (Peek().kind == TokenKind::kSub || Peek().kind == TokenKind::kAdd) {
            negative = Advance().kind == TokenKind::kSub;
          }
          const Token& t = Peek();
          if (t.kind != TokenKind::kNumber && t.kind != TokenKind::kDuration) {
            return Unexpected("in @", "timestamp");
          }
          OT_RETURN_IF_ERROR(CheckValue(t));
          Advance();
          double ms = std::round(t.number * 1000);
          if (!std::isfinite(ms) || std::fabs(ms) > 9.2e18)
            return Error(t.pos, "timestamp out of bounds for @ modifier");
          mod.ms = negative ? -static_cast<int64_t>(ms) : static_cast<int64_t>(ms);
        }
        // As for offset, the checks come once the timestamp is read.
        if (!AcceptsModifiers(*e)) {
          return Error(
              at,
              "@ modifier must be preceded by an instant vector selector or range vector selector or "
              "a subquery");
        }
        Expr& target = e->kind == Expr::Kind::kMatrixSelector ? *e->args[0] : *e;
        if (target.at) return Error(at, "@ <timestamp> may not be set multiple times");
        target.at = mod;
        e->pos.end = t_[pos_ - 1].end;
        continue;
      }
      return e;
    }
  }

  Result<ExprPtr> ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kNumber:
      case TokenKind::kDuration: {
        OT_RETURN_IF_ERROR(CheckValue(t));
        Advance();
        ExprPtr e = NewExpr(Expr::Kind::kNumber, t.pos, t.end);
        e->number = t.number;
        return e;
      }
      case TokenKind::kString: {
        Advance();
        ExprPtr e = NewExpr(Expr::Kind::kString, t.pos, t.end);
        e->text = t.text;
        return e;
      }
      case TokenKind::kLeftParen: {
        size_t start = Advance().pos;
        OT_ASSIGN_OR_RETURN(ExprPtr inner, ParseBinary(0));
        if (Peek().kind != TokenKind::kRightParen) return Unexpected("");  // Prometheus names no context
        Advance();
        ExprPtr e = NewExpr(Expr::Kind::kParen, start, t_[pos_ - 1].end);
        e->args.push_back(std::move(inner));
        return e;
      }
      case TokenKind::kLeftBrace: return ParseSelector(t.pos);
      case TokenKind::kIdentifier: {
        std::string word = t.text;
        size_t start = t.pos;
        if (auto agg = AggregateOpFromName(word)) {
          if (Peek(1).kind == TokenKind::kLeftParen || PeekWord("by", 1) || PeekWord("without", 1)) {
            Advance();
            return ParseAggregate(*agg, start);
          }
        }
        if (IsKeyword(word)) return Unexpected("");  // on(...) is no call
        if (Peek(1).kind == TokenKind::kLeftParen) {
          Advance();
          return ParseCall(word, start);
        }
        if (AggregateOpFromName(word)) return Unexpected("");
        return ParseSelector(start);
      }
      default: return Unexpected("");
    }
  }

  Result<std::string> ParseLabelName(std::string_view context) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kIdentifier || t.kind == TokenKind::kString) {
      Advance();
      return t.text;
    }
    return Unexpected(context, "label");
  }

  Result<std::vector<std::string>> ParseLabelList(std::string_view context) {
    std::vector<std::string> labels;
    OT_RETURN_IF_ERROR(Expect(TokenKind::kLeftParen, context));
    while (Peek().kind != TokenKind::kRightParen) {
      OT_ASSIGN_OR_RETURN(std::string l, ParseLabelName(context));
      labels.push_back(std::move(l));
      if (Peek().kind == TokenKind::kComma) {
        Advance();
      } else if (Peek().kind != TokenKind::kRightParen) {
        return Unexpected(context, "\",\" or \")\"");
      }
    }
    Advance();
    return labels;
  }

  // The selector that starts at token `start` (its name or '{'), read by
  // the selector grammar; the tokens it spans are skipped.
  Result<ExprPtr> ParseSelector(size_t start) {
    engine::MatcherCheck check = [](const LabelMatcher& m) -> std::optional<std::string> {
      if (m.type != MatchType::kRegexMatch && m.type != MatchType::kRegexNoMatch) return std::nullopt;
      RE2::Options o;
      o.set_log_errors(false);
      RE2 re(m.value, o);
      if (re.ok()) return std::nullopt;
      return "error parsing regexp: " + re.error();
    };
    engine::SelectorSyntax s = engine::ReadSelector(q_, start, check);
    // The lexer's error inside the selector comes before the grammar's;
    // the grammar reads from the same text.
    if (s.error) return LexErrorBefore(s.error->pos) ? LexError() : SelectorError(*s.error);
    if (LexErrorBefore(s.end - 1)) return LexError();
    while (Peek().kind != TokenKind::kEof && Peek().kind != TokenKind::kError && Peek().pos < s.end)
      Advance();
    ExprPtr e = NewExpr(Expr::Kind::kVectorSelector, start, s.end);
    e->metric_name = std::move(s.metric_name);
    e->matchers = std::move(s.matchers);
    bool non_empty = false;
    for (LabelMatcher& m : e->matchers) {
      auto compiled = engine::CompiledMatcher::Compile(m);
      non_empty = non_empty || !compiled.ok() || !compiled->matches_empty();
      if (compiled.ok()) m = compiled->matcher();  // with its regex compiled, for the query's run
    }
    if (!non_empty) TypeError(e->pos.start, "vector selector must contain at least one non-empty matcher");
    return e;
  }

  // Prometheus's wording of a selector grammar error, naming the token there.
  Status SelectorError(const engine::SelectorSyntaxError& error) {
    using E = engine::SelectorSyntaxError;
    if (error.kind == E::kRejected || error.kind == E::kBadString) {
      return Error(error.pos, error.kind == E::kRejected ? error.message : "invalid string");
    }
    while (Peek().kind != TokenKind::kEof && Peek().kind != TokenKind::kError && Peek().pos < error.pos) {
      Advance();
    }
    switch (error.kind) {
      case E::kExpectedLabelName: return Unexpected("in label matching", "identifier or \"}\"");
      case E::kExpectedMatchOp: return Unexpected("in label matching", "label matching operator");
      case E::kExpectedString: return Unexpected("in label matching", "string");
      default: return Unexpected("in label matching", "\",\" or \"}\"");
    }
  }

  // Prometheus's grammar names only an aggregation as the context of an
  // error in arguments, and no expected token.
  Result<std::vector<ExprPtr>> ParseArgs(std::string_view context) {
    std::vector<ExprPtr> args;
    if (Peek().kind != TokenKind::kLeftParen) return Unexpected(context);
    Advance();
    while (Peek().kind != TokenKind::kRightParen) {
      OT_ASSIGN_OR_RETURN(ExprPtr a, ParseBinary(0));
      args.push_back(std::move(a));
      if (Peek().kind == TokenKind::kComma) {
        size_t comma = Advance().pos;
        if (Peek().kind == TokenKind::kRightParen) {
          return Error(comma, "trailing commas not allowed in function call args");
        }
      } else if (Peek().kind != TokenKind::kRightParen) {
        return Unexpected(context);
      }
    }
    Advance();
    return args;
  }

  static ExprPtr Unparen(ExprPtr e) {
    while (e->kind == Expr::Kind::kParen) e = std::move(e->args[0]);
    return e;
  }

  Result<ExprPtr> ParseCall(const std::string& name, size_t start) {
    // Prometheus looks the name up once it has read the arguments, so an
    // error in them comes first.
    OT_ASSIGN_OR_RETURN(std::vector<ExprPtr> args, ParseArgs(""));
    const FunctionInfo* f = FindFunction(name);
    if (f == nullptr) return Error(start, "unknown function with name \"" + name + "\"");
    ExprPtr e = NewExpr(Expr::Kind::kCall, start, t_[pos_ - 1].end);
    e->text = name;
    size_t n = args.size(), declared = f->args.size();
    std::string count_error;
    if (f->variadic == 0 && n != declared) {
      count_error = "expected " + std::to_string(declared) + " argument(s) in call to \"" + name +
                    "\", got " + std::to_string(n);
    } else if (f->variadic > 0 && n > declared) {
      count_error = "expected at most " + std::to_string(declared) + " argument(s) in call to \"" + name +
                    "\", got " + std::to_string(n);
    } else if (f->variadic > 0 && n < declared - static_cast<size_t>(f->variadic)) {
      count_error = "expected at least " + std::to_string(declared - f->variadic) +
                    " argument(s) in call to \"" + name + "\", got " + std::to_string(n);
    } else if (f->variadic < 0 && n < declared - 1) {  // the last argument may be repeated, or left out
      count_error = "expected at least " + std::to_string(declared - 1) + " argument(s) in call to \"" +
                    name + "\", got " + std::to_string(n);
    }
    if (!count_error.empty()) TypeError(start, count_error);
    for (size_t i = 0; i < n; ++i) {
      if (count_error.empty()) {
        ValueType want = f->args[std::min(i, declared - 1)];
        ValueType got = args[i]->type();
        if (want != got) {
          TypeError(args[i]->pos.start, std::string("expected type ") + ValueTypeName(want) +
                                            " in call to function \"" + name + "\", got " +
                                            ValueTypeName(got));
        }
      }
      e->args.push_back(Unparen(std::move(args[i])));
    }
    return e;
  }

  Result<ExprPtr> ParseAggregate(AggregateOp op, size_t start) {
    ExprPtr e = NewExpr(Expr::Kind::kAggregate, start, start);
    e->agg_op = op;
    bool grouped = false;
    auto grouping = [&]() -> Status {
      if (!PeekWord("by") && !PeekWord("without")) return Status::OK();
      if (grouped) return Unexpected("");
      grouped = true;
      e->without = Advance().text == "without";
      OT_ASSIGN_OR_RETURN(e->grouping, ParseLabelList("in grouping opts"));
      return Status::OK();
    };
    OT_RETURN_IF_ERROR(grouping());
    ++aggregation_depth_;
    Result<std::vector<ExprPtr>> parsed = ParseArgs("in aggregation");
    --aggregation_depth_;
    OT_ASSIGN_OR_RETURN(std::vector<ExprPtr> args, std::move(parsed));
    OT_RETURN_IF_ERROR(grouping());
    e->pos.end = t_[pos_ - 1].end;
    size_t want = AggregateTakesParam(op) ? 2 : 1;
    if (args.empty()) return Error(start, "no arguments for aggregate expression provided");
    if (args.size() != want) {
      return Error(start, "wrong number of arguments for aggregate expression provided, expected " +
                              std::to_string(want) + ", got " + std::to_string(args.size()));
    }
    const Expr& inner = *args.back();
    if (inner.type() != ValueType::kVector) {
      TypeError(inner.pos.start, std::string("expected type instant vector in aggregation expression, got ") +
                                     ValueTypeName(inner.type()));
    }
    if (want == 2) {
      ValueType param_want = op == AggregateOp::kCountValues ? ValueType::kString : ValueType::kScalar;
      if (args[0]->type() != param_want) {
        TypeError(args[0]->pos.start, std::string("expected type ") + ValueTypeName(param_want) +
                                          " in aggregation parameter, got " + ValueTypeName(args[0]->type()));
      }
    }
    for (auto& a : args) e->args.push_back(Unparen(std::move(a)));
    return e;
  }

  std::string_view q_;
  static constexpr int kMaxDepth = 256;
  class DepthGuard {
   public:
    explicit DepthGuard(int* depth) : depth_(depth) { Deeper(); }
    ~DepthGuard() { *depth_ -= levels_; }
    void Deeper() {
      ++*depth_;
      ++levels_;
    }

   private:
    int* depth_;
    int levels_ = 0;
  };
  Status CheckDepth() const {
    if (depth_ <= kMaxDepth) return Status::OK();
    return Error(Peek().pos, "expression nested more than " + std::to_string(kMaxDepth) + " levels deep");
  }

  std::vector<Token> t_;  // ends in kEof or kError
  size_t pos_ = 0;
  int depth_ = 0;
  Status type_error_;          // the first error found by TypeError
  int aggregation_depth_ = 0;  // inside the arguments of this many aggregations
};

}  // namespace

Result<ExprPtr> ParseExpr(std::string_view query) {
  Lexer lexer(query);
  std::vector<Token> tokens = lexer.TokenizeUntilError();
  // Keywords and aggregation operators are case-insensitive (SUM BY (x)),
  // function and metric names are not: lower-case the former, unless the
  // word is a label name or a metric name in a place only those can be.
  for (size_t i = 0; i < tokens.size(); ++i) {
    Token& t = tokens[i];
    if (t.kind != TokenKind::kIdentifier) continue;
    std::string lower = Lower(t.text);
    if (lower == t.text) continue;
    bool keyword = IsKeyword(lower) || lower == "start" || lower == "end";
    bool aggregation =
        AggregateOpFromName(lower).has_value() && i + 1 < tokens.size() &&
        (tokens[i + 1].kind == TokenKind::kLeftParen ||
         (tokens[i + 1].kind == TokenKind::kIdentifier && IsKeyword(Lower(tokens[i + 1].text))));
    bool in_label_position =
        i + 1 < tokens.size() &&
        (tokens[i + 1].kind == TokenKind::kAssign || tokens[i + 1].kind == TokenKind::kNeq ||
         tokens[i + 1].kind == TokenKind::kEqlRegex || tokens[i + 1].kind == TokenKind::kNeqRegex);
    if ((keyword || aggregation) && !in_label_position) t.text = lower;
  }
  Parser parser(query, std::move(tokens));
  return parser.ParseTop();
}

}  // namespace overtone::promql
