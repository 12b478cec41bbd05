#include "tokenizer/chat_template/parser.h"

#include <cerrno>
#include <cstdlib>
#include <initializer_list>

#include "base/error.h"
#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/lexer.h"

namespace gatehouse::tokenizer::jinja {
namespace {

constexpr int kMaxNesting = 256;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Body parse_template() {
    Body body;
    std::string stop = parse_body(body, {});
    GH_CHECK(stop.empty());
    return body;
  }

 private:
  // ---- token stream ----
  const Token& current() const { return tokens_[pos_]; }
  const Token& peek(size_t ahead = 1) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  void advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool at_op(std::string_view op) const { return current().type == TokenType::op && current().value == op; }
  bool at_name(std::string_view name) const { return current().type == TokenType::name && current().value == name; }

  [[noreturn]] void fail(const std::string& message) const {
    throw Error(ErrorCode::invalid_argument,
                "chat template: line " + std::to_string(current().line) + ": " + message);
  }

  std::string describe(const Token& token) const {
    switch (token.type) {
      case TokenType::text: return "text";
      case TokenType::variable_begin: return "'{{'";
      case TokenType::variable_end: return "'}}'";
      case TokenType::block_begin: return "'{%'";
      case TokenType::block_end: return "'%}'";
      case TokenType::end: return "end of template";
      case TokenType::string: return "string literal";
      default: return "'" + token.value + "'";
    }
  }

  void expect_op(std::string_view op) {
    if (!at_op(op)) fail("expected '" + std::string(op) + "', got " + describe(current()));
    advance();
  }
  void expect(TokenType type, std::string_view what) {
    if (current().type != type) fail("expected " + std::string(what) + ", got " + describe(current()));
    advance();
  }
  std::string expect_name() {
    if (current().type != TokenType::name) fail("expected a name, got " + describe(current()));
    std::string name = current().value;
    advance();
    return name;
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : parser(p) {
      if (++parser.depth_ > kMaxNesting) parser.fail("template nested too deeply");
    }
    ~DepthGuard() { --parser.depth_; }
    Parser& parser;
  };

  // ---- statements ----

  // Parses statements into `body` until a block tag whose keyword is in `stops` (returned, with
  // the stream on the token after it) or the end of the template (returns "" if `stops` is empty).
  std::string parse_body(Body& body, std::initializer_list<std::string_view> stops) {
    DepthGuard guard(*this);
    while (true) {
      const Token& token = current();
      switch (token.type) {
        case TokenType::end:
          if (stops.size() == 0) return "";
          fail("unexpected end of template: expected '{% " + std::string(*(stops.end() - 1)) + " %}'");
        case TokenType::text:
          body.push_back(std::make_unique<TextStmt>(token.value, token.line));
          advance();
          break;
        case TokenType::variable_begin: {
          int line = token.line;
          advance();
          ExprPtr expr = parse_tuple(true);
          expect(TokenType::variable_end, "'}}'");
          body.push_back(std::make_unique<PrintStmt>(std::move(expr), line));
          break;
        }
        case TokenType::block_begin: {
          advance();
          if (current().type != TokenType::name) fail("expected a tag name after '{%', got " + describe(current()));
          std::string keyword = current().value;
          for (std::string_view stop : stops) {
            if (keyword == stop) {
              advance();
              return keyword;
            }
          }
          parse_statement(body);
          break;
        }
        default:
          fail("unexpected " + describe(token));
      }
    }
  }

  void parse_statement(Body& body) {
    const std::string keyword = current().value;
    int line = current().line;
    advance();
    if (keyword == "if") return body.push_back(parse_if(line));
    if (keyword == "for") return body.push_back(parse_for(line));
    if (keyword == "set") return body.push_back(parse_set(line));
    if (keyword == "macro") return body.push_back(parse_macro(line));
    if (keyword == "call") return body.push_back(parse_call_block(line));
    if (keyword == "filter") return body.push_back(parse_filter_block(line));
    if (keyword == "break" || keyword == "continue") {
      if (loop_depth_ == 0) fail("'" + keyword + "' outside of a loop");
      expect(TokenType::block_end, "'%}'");
      return body.push_back(std::make_unique<Stmt>(keyword == "break" ? Stmt::Kind::break_ : Stmt::Kind::continue_, line));
    }
    if (keyword == "generation") {  // transformers' assistant-mask marker: renders its body as is
      expect(TokenType::block_end, "'%}'");
      parse_body(body, {"endgeneration"});
      expect(TokenType::block_end, "'%}'");
      return;
    }
    if (keyword.rfind("end", 0) == 0 || keyword == "elif" || keyword == "else") {
      fail("unexpected '{% " + keyword + " %}': it closes nothing here (a nesting mistake?)");
    }
    fail("unknown tag '" + keyword + "'");
  }

  StmtPtr parse_if(int line) {
    auto node = std::make_unique<IfStmt>(Stmt::Kind::if_, line);
    while (true) {
      ExprPtr condition = parse_tuple(false);
      expect(TokenType::block_end, "'%}'");
      Body branch;
      std::string stop = parse_body(branch, {"elif", "else", "endif"});
      node->branches.emplace_back(std::move(condition), std::move(branch));
      if (stop == "elif") continue;
      if (stop == "else") {
        expect(TokenType::block_end, "'%}'");
        parse_body(node->otherwise, {"endif"});
      }
      expect(TokenType::block_end, "'%}'");
      return node;
    }
  }

  StmtPtr parse_for(int line) {
    auto node = std::make_unique<ForStmt>(Stmt::Kind::for_, line);
    bool parenthesized = at_op("(");
    if (parenthesized) advance();
    do {
      node->targets.push_back(expect_name());
    } while (at_op(",") && (advance(), current().type == TokenType::name));
    if (parenthesized) expect_op(")");
    if (!at_name("in")) fail("expected 'in' in the for loop, got " + describe(current()));
    advance();
    node->iterable = parse_tuple(false);
    if (at_name("if")) {
      advance();
      node->filter = parse_expression();
    }
    if (at_name("recursive")) fail("recursive for loops are not supported");
    expect(TokenType::block_end, "'%}'");
    ++loop_depth_;
    std::string stop = parse_body(node->body, {"else", "endfor"});
    --loop_depth_;
    if (stop == "else") {
      expect(TokenType::block_end, "'%}'");
      parse_body(node->otherwise, {"endfor"});
    }
    expect(TokenType::block_end, "'%}'");
    return node;
  }

  AssignTarget parse_assign_target() {
    AssignTarget target{expect_name(), ""};
    if (at_op(".")) {
      advance();
      target.attribute = expect_name();
    }
    return target;
  }

  StmtPtr parse_set(int line) {
    auto node = std::make_unique<SetStmt>(Stmt::Kind::set, line);
    node->targets.push_back(parse_assign_target());
    while (at_op(",")) {
      advance();
      node->targets.push_back(parse_assign_target());
    }
    if (at_op("=")) {
      advance();
      node->value = parse_tuple(true);
      expect(TokenType::block_end, "'%}'");
      return node;
    }
    if (node->targets.size() != 1 || !node->targets[0].attribute.empty()) fail("expected '=' in set");
    node->kind = Stmt::Kind::set_block;
    if (at_op("|")) node->filter = parse_filter(nullptr);
    expect(TokenType::block_end, "'%}'");
    parse_body(node->body, {"endset"});
    expect(TokenType::block_end, "'%}'");
    return node;
  }

  std::vector<Parameter> parse_parameters() {
    std::vector<Parameter> parameters;
    expect_op("(");
    while (!at_op(")")) {
      if (!parameters.empty()) expect_op(",");
      if (at_op(")")) break;
      Parameter parameter{expect_name(), nullptr};
      if (at_op("=")) {
        advance();
        parameter.default_value = parse_expression();
      }
      parameters.push_back(std::move(parameter));
    }
    advance();
    return parameters;
  }

  // The body of a macro or call block, noting whether it mentions varargs and kwargs.
  void parse_macro_body(MacroStmt& macro, std::string_view end_tag) {
    int saved_loop_depth = loop_depth_;
    bool saved_varargs = saw_varargs_, saved_kwargs = saw_kwargs_;
    loop_depth_ = 0;
    saw_varargs_ = saw_kwargs_ = false;
    parse_body(macro.body, {end_tag});
    macro.takes_varargs = saw_varargs_;
    macro.takes_kwargs = saw_kwargs_;
    loop_depth_ = saved_loop_depth;
    saw_varargs_ = saved_varargs || saw_varargs_;
    saw_kwargs_ = saved_kwargs || saw_kwargs_;
  }

  StmtPtr parse_macro(int line) {
    auto node = std::make_unique<MacroStmt>(Stmt::Kind::macro, line);
    node->name = expect_name();
    node->parameters = parse_parameters();
    expect(TokenType::block_end, "'%}'");
    parse_macro_body(*node, "endmacro");
    if (current().type == TokenType::name) advance();  // {% endmacro name %}
    expect(TokenType::block_end, "'%}'");
    return node;
  }

  StmtPtr parse_call_block(int line) {
    auto node = std::make_unique<CallBlockStmt>(Stmt::Kind::call_block, line);
    node->caller.name = "caller";
    node->caller.line = line;
    if (at_op("(")) node->caller.parameters = parse_parameters();
    ExprPtr call = parse_expression();
    if (call->kind != Expr::Kind::call) fail("expected a macro call after '{% call'");
    node->call.reset(static_cast<CallExpr*>(call.release()));
    expect(TokenType::block_end, "'%}'");
    parse_macro_body(node->caller, "endcall");
    expect(TokenType::block_end, "'%}'");
    return node;
  }

  StmtPtr parse_filter_block(int line) {
    auto node = std::make_unique<FilterBlockStmt>(Stmt::Kind::filter_block, line);
    node->filters.push_back(parse_filter_name_and_args(nullptr));
    while (at_op("|")) node->filters.push_back(parse_filter(nullptr));
    expect(TokenType::block_end, "'%}'");
    parse_body(node->body, {"endfilter"});
    expect(TokenType::block_end, "'%}'");
    return node;
  }

  // ---- expressions, lowest precedence first (Jinja2's parser) ----

  bool at_expression_end() const {
    const Token& t = current();
    return t.type == TokenType::variable_end || t.type == TokenType::block_end || t.type == TokenType::end ||
           (t.type == TokenType::op && (t.value == ")" || t.value == "]" || t.value == "}")) ||
           (t.type == TokenType::name && (t.value == "if" || t.value == "recursive"));
  }

  // `a, b` makes a tuple where a statement or {{ }} takes one expression.
  ExprPtr parse_tuple(bool with_conditional) {
    int line = current().line;
    ExprPtr first = with_conditional ? parse_expression() : parse_or();
    if (!at_op(",")) return first;
    auto tuple = std::make_unique<SequenceExpr>(Expr::Kind::tuple, line);
    tuple->items.push_back(std::move(first));
    while (at_op(",")) {
      advance();
      if (at_expression_end()) break;
      tuple->items.push_back(with_conditional ? parse_expression() : parse_or());
    }
    return tuple;
  }

  ExprPtr parse_expression() {
    DepthGuard guard(*this);
    int line = current().line;
    ExprPtr expr = parse_or();
    while (at_name("if")) {
      advance();
      auto conditional = std::make_unique<ConditionalExpr>(Expr::Kind::conditional, line);
      conditional->condition = parse_or();
      conditional->then = std::move(expr);
      if (at_name("else")) {
        advance();
        conditional->otherwise = parse_expression();
      }
      expr = std::move(conditional);
    }
    return expr;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (at_name("or")) {
      int line = current().line;
      advance();
      left = std::make_unique<BinaryExpr>(BinaryOp::logical_or, std::move(left), parse_and(), line);
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (at_name("and")) {
      int line = current().line;
      advance();
      left = std::make_unique<BinaryExpr>(BinaryOp::logical_and, std::move(left), parse_not(), line);
    }
    return left;
  }

  ExprPtr parse_not() {
    if (at_name("not")) {
      DepthGuard guard(*this);
      int line = current().line;
      advance();
      return std::make_unique<UnaryExpr>(UnaryOp::logical_not, parse_not(), line);
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    int line = current().line;
    ExprPtr first = parse_math1();
    std::unique_ptr<CompareExpr> compare;
    while (true) {
      CompareOp op;
      if (current().type == TokenType::op && current().value == "==") op = CompareOp::eq;
      else if (at_op("!=")) op = CompareOp::ne;
      else if (at_op("<")) op = CompareOp::lt;
      else if (at_op("<=")) op = CompareOp::le;
      else if (at_op(">")) op = CompareOp::gt;
      else if (at_op(">=")) op = CompareOp::ge;
      else if (at_name("in")) op = CompareOp::in;
      else if (at_name("not") && peek().type == TokenType::name && peek().value == "in") {
        advance();
        op = CompareOp::not_in;
      } else {
        break;
      }
      advance();
      if (!compare) {
        compare = std::make_unique<CompareExpr>(Expr::Kind::compare, line);
        compare->first = std::move(first);
      }
      compare->rest.emplace_back(op, parse_math1());
    }
    if (compare) return compare;
    return first;
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (at_op("+") || at_op("-")) {
      BinaryOp op = current().value == "+" ? BinaryOp::add : BinaryOp::subtract;
      int line = current().line;
      advance();
      left = std::make_unique<BinaryExpr>(op, std::move(left), parse_concat(), line);
    }
    return left;
  }

  ExprPtr parse_concat() {
    ExprPtr left = parse_math2();
    while (at_op("~")) {
      int line = current().line;
      advance();
      left = std::make_unique<BinaryExpr>(BinaryOp::concat, std::move(left), parse_math2(), line);
    }
    return left;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (at_op("*") || at_op("/") || at_op("//") || at_op("%")) {
      const std::string& v = current().value;
      BinaryOp op = v == "*" ? BinaryOp::multiply : v == "/" ? BinaryOp::divide
                  : v == "//" ? BinaryOp::floor_divide : BinaryOp::modulo;
      int line = current().line;
      advance();
      left = std::make_unique<BinaryExpr>(op, std::move(left), parse_pow(), line);
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (at_op("**")) {
      int line = current().line;
      advance();
      left = std::make_unique<BinaryExpr>(BinaryOp::power, std::move(left), parse_unary(true), line);
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    int line = current().line;
    ExprPtr node;
    if (at_op("-") || at_op("+")) {
      UnaryOp op = current().value == "-" ? UnaryOp::negate : UnaryOp::plus;
      advance();
      node = std::make_unique<UnaryExpr>(op, parse_unary(false), line);
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  // The value of the integer token at the cursor.
  int64_t integer_literal() const {
    errno = 0;
    long long value = std::strtoll(current().value.c_str(), nullptr, 10);
    if (errno == ERANGE) fail("integer literal out of range: " + current().value);
    return int64_t(value);
  }

  ExprPtr parse_primary() {
    const Token& token = current();
    int line = token.line;
    switch (token.type) {
      case TokenType::name: {
        std::string name = token.value;
        advance();
        if (name == "true" || name == "True") return std::make_unique<LiteralExpr>(Value(true), line);
        if (name == "false" || name == "False") return std::make_unique<LiteralExpr>(Value(false), line);
        if (name == "none" || name == "None") return std::make_unique<LiteralExpr>(Value(None{}), line);
        saw_varargs_ = saw_varargs_ || name == "varargs";
        saw_kwargs_ = saw_kwargs_ || name == "kwargs";
        return std::make_unique<NameExpr>(std::move(name), line);
      }
      case TokenType::string: {
        std::string text;
        while (current().type == TokenType::string) {  // adjacent literals concatenate
          text += current().value;
          advance();
        }
        return std::make_unique<LiteralExpr>(Value(std::move(text)), line);
      }
      case TokenType::integer: {
        int64_t value = integer_literal();
        advance();
        return std::make_unique<LiteralExpr>(Value(value), line);
      }
      case TokenType::floating: {
        double value = std::strtod(token.value.c_str(), nullptr);
        advance();
        return std::make_unique<LiteralExpr>(Value(value), line);
      }
      case TokenType::op:
        if (token.value == "(") return parse_parenthesized();
        if (token.value == "[") return parse_list();
        if (token.value == "{") return parse_dict();
        break;
      default:
        break;
    }
    fail("unexpected " + describe(token) + " in an expression");
  }

  ExprPtr parse_parenthesized() {
    int line = current().line;
    advance();
    if (at_op(")")) {
      advance();
      return std::make_unique<SequenceExpr>(Expr::Kind::tuple, line);
    }
    ExprPtr first = parse_expression();
    if (at_op(")")) {
      advance();
      return first;
    }
    auto tuple = std::make_unique<SequenceExpr>(Expr::Kind::tuple, line);
    tuple->items.push_back(std::move(first));
    while (at_op(",")) {
      advance();
      if (at_op(")")) break;
      tuple->items.push_back(parse_expression());
    }
    expect_op(")");
    return tuple;
  }

  ExprPtr parse_list() {
    auto list = std::make_unique<SequenceExpr>(Expr::Kind::list, current().line);
    advance();
    while (!at_op("]")) {
      if (!list->items.empty()) expect_op(",");
      if (at_op("]")) break;
      list->items.push_back(parse_expression());
    }
    advance();
    return list;
  }

  ExprPtr parse_dict() {
    auto dict = std::make_unique<DictExpr>(Expr::Kind::dict, current().line);
    advance();
    while (!at_op("}")) {
      if (!dict->entries.empty()) expect_op(",");
      if (at_op("}")) break;
      ExprPtr key = parse_expression();
      expect_op(":");
      dict->entries.emplace_back(std::move(key), parse_expression());
    }
    advance();
    return dict;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      int line = current().line;
      if (at_op(".")) {
        advance();
        if (current().type == TokenType::name) {
          node = std::make_unique<AttributeExpr>(std::move(node), current().value, line);
        } else if (current().type == TokenType::integer) {
          auto index = std::make_unique<LiteralExpr>(Value(integer_literal()), line);
          node = std::make_unique<SubscriptExpr>(std::move(node), std::move(index), line);
        } else {
          fail("expected an attribute name after '.', got " + describe(current()));
        }
        advance();
      } else if (at_op("[")) {
        node = parse_subscript(std::move(node));
      } else if (at_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr object) {
    int line = current().line;
    advance();
    ExprPtr parts[3];
    int colons = 0;
    while (!at_op("]")) {
      if (at_op(":")) {
        if (++colons > 2) fail("too many ':' in a slice");
        advance();
        continue;
      }
      if (parts[colons]) fail("expected ':' or ']' in a subscript, got " + describe(current()));
      parts[colons] = parse_expression();
    }
    advance();
    if (colons == 0) {
      if (!parts[0]) fail("empty subscript '[]'");
      return std::make_unique<SubscriptExpr>(std::move(object), std::move(parts[0]), line);
    }
    auto slice = std::make_unique<SliceExpr>(Expr::Kind::slice, line);
    slice->object = std::move(object);
    slice->start = std::move(parts[0]);
    slice->stop = std::move(parts[1]);
    slice->step = std::move(parts[2]);
    return slice;
  }

  Arguments parse_arguments() {
    Arguments args;
    expect_op("(");
    bool first = true;
    while (!at_op(")")) {
      if (!first) expect_op(",");
      first = false;
      if (at_op(")")) break;
      if (current().type == TokenType::name && peek().type == TokenType::op && peek().value == "=") {
        std::string name = current().value;
        advance();
        advance();
        args.keyword.emplace_back(std::move(name), parse_expression());
      } else {
        if (!args.keyword.empty()) fail("positional argument after a keyword argument");
        args.positional.push_back(parse_expression());
      }
    }
    advance();
    return args;
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto call = std::make_unique<CallExpr>(Expr::Kind::call, current().line);
    call->callee = std::move(callee);
    call->args = parse_arguments();
    return call;
  }

  std::string parse_dotted_name() {
    std::string name = expect_name();
    while (at_op(".")) {
      advance();
      name += "." + expect_name();
    }
    return name;
  }

  std::unique_ptr<FilterExpr> parse_filter_name_and_args(ExprPtr subject) {
    auto filter = std::make_unique<FilterExpr>(Expr::Kind::filter, current().line);
    filter->subject = std::move(subject);
    filter->name = parse_dotted_name();
    if (!has_filter(filter->name)) fail("no filter named '" + filter->name + "'");
    if (at_op("(")) filter->args = parse_arguments();
    return filter;
  }

  std::unique_ptr<FilterExpr> parse_filter(ExprPtr subject) {
    expect_op("|");
    return parse_filter_name_and_args(std::move(subject));
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (at_op("|")) {
        node = parse_filter(std::move(node));
      } else if (at_name("is")) {
        node = parse_test(std::move(node));
      } else if (at_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_test(ExprPtr subject) {
    auto test = std::make_unique<TestExpr>(Expr::Kind::test, current().line);
    advance();  // is
    if (at_name("not")) {
      advance();
      test->negated = true;
    }
    test->subject = std::move(subject);
    test->name = parse_dotted_name();
    if (!has_test(test->name)) fail("no test named '" + test->name + "'");
    const Token& next = current();
    if (at_op("(")) {
      test->args = parse_arguments();
    } else if ((next.type == TokenType::name || next.type == TokenType::string || next.type == TokenType::integer ||
                next.type == TokenType::floating || at_op("[") || at_op("{")) &&
               !at_name("else") && !at_name("or") && !at_name("and")) {
      if (at_name("is")) fail("tests cannot be chained with 'is'");
      test->args.positional.push_back(parse_postfix(parse_primary()));
    }
    return test;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  bool saw_varargs_ = false, saw_kwargs_ = false;
};

}  // namespace

Body parse(std::string_view source) { return Parser(lex(source)).parse_template(); }

}  // namespace gatehouse::tokenizer::jinja
