// Walks a parsed template and produces its text, with Jinja2's scoping (a for loop's body and a
// macro have their own scope, if does not), loop variables and loop controls, macros and call
// blocks. One Interpreter renders once; it bounds the work and the memory a template may cause
// (every value it builds and its output, against one MemoryBudget), so a hostile template ends in
// an error instead of a hang or an exhausted process.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/chat_template/ast.h"

namespace gatehouse::tokenizer::jinja {

// Variables visible at one point of a template; lookups go up through the parents.
class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent = nullptr) : parent_(std::move(parent)) {}
  const Value* find(std::string_view name) const;
  void set(std::string_view name, Value value);
  // This scope's own variable `name` (not a parent's), or nullptr.
  Value* own(std::string_view name);

 private:
  std::shared_ptr<Scope> parent_;
  std::vector<std::pair<std::string, Value>> variables_;  // a few per scope: a vector beats a map
};

struct RenderLimits {
  size_t max_steps = 1'000'000;         // loop iterations and macro calls
  size_t max_memory_bytes = 64u << 20;  // all values built and all text rendered, held at once
  int max_call_depth = 200;             // nested macro calls
};

class Interpreter {
 public:
  explicit Interpreter(RenderLimits limits = {}) : limits_(limits) {}

  // Renders `body` with `root` as the template's top-level scope. Errors are invalid_argument
  // naming the line ("chat template: line 3: ..."), except raise_exception's own message.
  std::string render(const Body& body, std::shared_ptr<Scope> root);

 private:
  enum class Flow { normal, break_loop, continue_loop };
  using ScopePtr = std::shared_ptr<Scope>;

  Flow execute(const Body& body, const ScopePtr& scope, BudgetedText& out);
  Flow execute(const Stmt& stmt, const ScopePtr& scope, BudgetedText& out);
  Flow execute_for(const struct ForStmt& node, const ScopePtr& scope, BudgetedText& out);
  void execute_set(const struct SetStmt& node, const ScopePtr& scope);
  void define_macro(const struct MacroStmt& node, const ScopePtr& scope);
  void execute_call_block(const struct CallBlockStmt& node, const ScopePtr& scope, BudgetedText& out);

  Value eval(const Expr& expr, const ScopePtr& scope);
  Value eval_unchecked(const Expr& expr, const ScopePtr& scope);
  Value eval_binary(const struct BinaryExpr& node, const ScopePtr& scope);
  bool eval_compare(const struct CompareExpr& node, const ScopePtr& scope);
  CallArgs eval_arguments(const Arguments& args, const ScopePtr& scope);
  Value call(const Value& callee, CallArgs& args);
  Value apply_filter_expr(const struct FilterExpr& node, const Value& subject, const ScopePtr& scope);

  // Calls a macro (or a call block's caller) body with arguments bound to its parameters.
  Value invoke(const struct MacroStmt& macro, const std::weak_ptr<Scope>& closure, CallArgs& args);
  void assign(const ScopePtr& scope, const AssignTarget& target, Value value);
  void release(const ScopePtr& scope, const AssignTarget& target);
  void bind_targets(const ScopePtr& scope, const std::vector<AssignTarget>& targets, const Value& value);

  void spend_step();

  RenderLimits limits_;
  ScopePtr root_;
  size_t steps_ = 0;
  int call_depth_ = 0;
};

}  // namespace gatehouse::tokenizer::jinja
