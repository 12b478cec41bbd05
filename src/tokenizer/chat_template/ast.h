// The syntax tree of a parsed template: expressions and statements as plain structs tagged with a
// kind, which the interpreter switches on. A tree is immutable after parsing and owns its
// children; rendering never changes it, so one parsed template may render on many threads.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/chat_template/value.h"

namespace gatehouse::tokenizer::jinja {

struct Expr {
  enum class Kind {
    literal, name, list, tuple, dict, attribute, subscript, slice, call, filter, test, unary,
    binary, compare, conditional,
  };
  Expr(Kind k, int l) : kind(k), line(l) {}
  virtual ~Expr() = default;
  Kind kind;
  int line;
};
using ExprPtr = std::unique_ptr<Expr>;

struct Arguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
};

struct LiteralExpr : Expr {
  LiteralExpr(Value v, int l) : Expr(Kind::literal, l), value(std::move(v)) {}
  Value value;
};
struct NameExpr : Expr {
  NameExpr(std::string n, int l) : Expr(Kind::name, l), name(std::move(n)) {}
  std::string name;
};
struct SequenceExpr : Expr {  // list or tuple literal
  using Expr::Expr;
  std::vector<ExprPtr> items;
};
struct DictExpr : Expr {
  using Expr::Expr;
  std::vector<std::pair<ExprPtr, ExprPtr>> entries;
};
struct AttributeExpr : Expr {  // object.name
  AttributeExpr(ExprPtr o, std::string n, int l) : Expr(Kind::attribute, l), object(std::move(o)), name(std::move(n)) {}
  ExprPtr object;
  std::string name;
};
struct SubscriptExpr : Expr {  // object[index]
  SubscriptExpr(ExprPtr o, ExprPtr i, int l) : Expr(Kind::subscript, l), object(std::move(o)), index(std::move(i)) {}
  ExprPtr object, index;
};
struct SliceExpr : Expr {  // object[start:stop:step], each part optional
  using Expr::Expr;
  ExprPtr object, start, stop, step;
};
struct CallExpr : Expr {
  using Expr::Expr;
  ExprPtr callee;
  Arguments args;
};
struct FilterExpr : Expr {  // subject | name(args); subject is null inside {% filter %} blocks
  using Expr::Expr;
  ExprPtr subject;
  std::string name;
  Arguments args;
};
struct TestExpr : Expr {  // subject is [not] name(args)
  using Expr::Expr;
  ExprPtr subject;
  std::string name;
  Arguments args;
  bool negated = false;
};

enum class UnaryOp { negate, plus, logical_not };
struct UnaryExpr : Expr {
  UnaryExpr(UnaryOp o, ExprPtr e, int l) : Expr(Kind::unary, l), op(o), operand(std::move(e)) {}
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp { add, subtract, multiply, divide, floor_divide, modulo, power, concat, logical_and, logical_or };
struct BinaryExpr : Expr {
  BinaryExpr(BinaryOp o, ExprPtr a, ExprPtr b, int l)
      : Expr(Kind::binary, l), op(o), left(std::move(a)), right(std::move(b)) {}
  BinaryOp op;
  ExprPtr left, right;
};

enum class CompareOp { eq, ne, lt, le, gt, ge, in, not_in };
struct CompareExpr : Expr {  // a < b < c chains as in Python
  using Expr::Expr;
  ExprPtr first;
  std::vector<std::pair<CompareOp, ExprPtr>> rest;
};
struct ConditionalExpr : Expr {  // then if condition else otherwise (otherwise may be null)
  using Expr::Expr;
  ExprPtr condition, then, otherwise;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
  enum class Kind { text, print, if_, for_, set, set_block, macro, call_block, filter_block, break_, continue_ };
  Stmt(Kind k, int l) : kind(k), line(l) {}
  virtual ~Stmt() = default;
  Kind kind;
  int line;
};

struct TextStmt : Stmt {
  TextStmt(std::string t, int l) : Stmt(Kind::text, l), text(std::move(t)) {}
  std::string text;
};
struct PrintStmt : Stmt {
  PrintStmt(ExprPtr e, int l) : Stmt(Kind::print, l), expr(std::move(e)) {}
  ExprPtr expr;
};
struct IfStmt : Stmt {
  using Stmt::Stmt;
  std::vector<std::pair<ExprPtr, Body>> branches;  // if, elif, ...
  Body otherwise;
};
struct ForStmt : Stmt {
  using Stmt::Stmt;
  std::vector<std::string> targets;  // one name, or several to unpack each item into
  ExprPtr iterable, filter;          // filter: `for x in xs if cond`, may be null
  Body body, otherwise;
};

// `name` or `namespace.attribute`.
struct AssignTarget {
  std::string name;
  std::string attribute;
};
struct SetStmt : Stmt {  // {% set a, b = value %} or {% set a %}body{% endset %}
  using Stmt::Stmt;
  std::vector<AssignTarget> targets;
  ExprPtr value;
  Body body;
  std::unique_ptr<FilterExpr> filter;  // block form: {% set a | upper %}
};

struct Parameter {
  std::string name;
  ExprPtr default_value;  // may be null
};
struct MacroStmt : Stmt {
  using Stmt::Stmt;
  std::string name;
  std::vector<Parameter> parameters;
  Body body;
  // Whether the body mentions varargs / kwargs: only then may a call pass extra arguments.
  bool takes_varargs = false, takes_kwargs = false;
};
struct CallBlockStmt : Stmt {  // {% call(params) macro(args) %}body{% endcall %}: body is caller()
  using Stmt::Stmt;
  std::unique_ptr<CallExpr> call;
  MacroStmt caller{Kind::macro, 0};  // the body, as the macro `caller`
};
struct FilterBlockStmt : Stmt {  // {% filter upper | trim %}body{% endfilter %}
  using Stmt::Stmt;
  std::vector<std::unique_ptr<FilterExpr>> filters;
  Body body;
};

}  // namespace gatehouse::tokenizer::jinja
