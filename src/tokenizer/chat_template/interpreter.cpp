#include "tokenizer/chat_template/interpreter.h"

#include "base/error.h"
#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/operators.h"

namespace gatehouse::tokenizer::jinja {
namespace {

// An error already carrying its template line, so outer expressions do not prefix it again.
class LocatedError : public Error {
 public:
  LocatedError(ErrorCode code, int line, const std::string& message)
      : Error(code, "chat template: line " + std::to_string(line) + ": " + message) {}
};

// Runs `fn`; an Error it throws gets `line` unless it already has one or is the template's own
// raise_exception message.
template <typename Fn>
decltype(auto) at_line(int line, Fn&& fn) {
  try {
    return fn();
  } catch (const LocatedError&) {
    throw;
  } catch (const TemplateRaised&) {
    throw;
  } catch (const Error& error) {
    throw LocatedError(error.code(), line, error.what());
  }
}

template <typename T>
const T& as(const Expr& expr) {
  return static_cast<const T&>(expr);
}
template <typename T>
const T& as(const Stmt& stmt) {
  return static_cast<const T&>(stmt);
}

Value make_loop(size_t index, const std::vector<Value>& items) {
  const int64_t i = int64_t(index), n = int64_t(items.size());
  Value loop = Value::dict();
  Dict& d = loop.as_dict();
  d.entries.reserve(12);
  d.entries.emplace_back("index", i + 1);
  d.entries.emplace_back("index0", i);
  d.entries.emplace_back("revindex", n - i);
  d.entries.emplace_back("revindex0", n - i - 1);
  d.entries.emplace_back("first", i == 0);
  d.entries.emplace_back("last", i == n - 1);
  d.entries.emplace_back("length", n);
  d.entries.emplace_back("depth", int64_t(1));
  d.entries.emplace_back("depth0", int64_t(0));
  d.entries.emplace_back("previtem", i > 0 ? items[index - 1] : Value(Undefined{"there is no previous item"}));
  d.entries.emplace_back("nextitem", i + 1 < n ? items[index + 1] : Value(Undefined{"there is no next item"}));
  d.entries.emplace_back("cycle", Value::function("cycle", [i](CallArgs& args) -> Value {
    if (args.positional.empty()) throw Error(ErrorCode::invalid_argument, "no items for cycling given");
    return args.positional[size_t(i) % args.positional.size()];
  }));
  d.recharge();
  return loop;
}

}  // namespace

const Value* Scope::find(std::string_view name) const {
  for (const Scope* scope = this; scope; scope = scope->parent_.get()) {
    for (const auto& [key, value] : scope->variables_) {
      if (key == name) return &value;
    }
  }
  return nullptr;
}

void Scope::set(std::string_view name, Value value) {
  for (auto& [key, existing] : variables_) {
    if (key == name) {
      existing = std::move(value);
      return;
    }
  }
  variables_.emplace_back(std::string(name), std::move(value));
}

Value* Scope::own(std::string_view name) {
  for (auto& [key, value] : variables_) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::string Interpreter::render(const Body& body, std::shared_ptr<Scope> root) {
  root_ = std::move(root);
  MemoryBudget::Activation budget(std::make_shared<MemoryBudget>(limits_.max_memory_bytes));
  BudgetedText out;
  execute(body, root_, out);
  return out.take();
}

void Interpreter::spend_step() {
  if (++steps_ > limits_.max_steps) {
    throw Error(ErrorCode::resource_exhausted, "the template did too much work (more than " +
                                                   std::to_string(limits_.max_steps) + " loop iterations and calls)");
  }
}

Interpreter::Flow Interpreter::execute(const Body& body, const ScopePtr& scope, BudgetedText& out) {
  for (const StmtPtr& stmt : body) {
    Flow flow = execute(*stmt, scope, out);
    if (flow != Flow::normal) return flow;
  }
  return Flow::normal;
}

Interpreter::Flow Interpreter::execute(const Stmt& stmt, const ScopePtr& scope, BudgetedText& out) {
  switch (stmt.kind) {
    case Stmt::Kind::text:
      out.append(as<TextStmt>(stmt).text);
      return Flow::normal;
    case Stmt::Kind::print: {
      Value value = eval(*as<PrintStmt>(stmt).expr, scope);
      if (value.is_string()) {
        out.append(value.as_string());
      } else {
        out.append(to_str(value));
      }
      return Flow::normal;
    }
    case Stmt::Kind::if_: {
      const auto& node = as<IfStmt>(stmt);
      for (const auto& [condition, body] : node.branches) {
        if (eval(*condition, scope).truthy()) return execute(body, scope, out);
      }
      return execute(node.otherwise, scope, out);
    }
    case Stmt::Kind::for_:
      return execute_for(as<ForStmt>(stmt), scope, out);
    case Stmt::Kind::set:
    case Stmt::Kind::set_block:
      execute_set(as<SetStmt>(stmt), scope);
      return Flow::normal;
    case Stmt::Kind::macro:
      define_macro(as<MacroStmt>(stmt), scope);
      return Flow::normal;
    case Stmt::Kind::call_block:
      execute_call_block(as<CallBlockStmt>(stmt), scope, out);
      return Flow::normal;
    case Stmt::Kind::filter_block: {
      const auto& node = as<FilterBlockStmt>(stmt);
      BudgetedText inner;
      execute(node.body, scope, inner);
      Value value(inner.take());
      for (const auto& filter : node.filters) value = apply_filter_expr(*filter, value, scope);
      out.append(to_str(value));
      return Flow::normal;
    }
    case Stmt::Kind::break_:
      return Flow::break_loop;
    case Stmt::Kind::continue_:
      return Flow::continue_loop;
  }
  return Flow::normal;
}

Interpreter::Flow Interpreter::execute_for(const ForStmt& node, const ScopePtr& scope, BudgetedText& out) {
  Value iterable = eval(*node.iterable, scope);
  std::vector<Value> items = at_line(node.line, [&] { return iterate(iterable); });
  std::vector<AssignTarget> targets;
  for (const std::string& name : node.targets) targets.push_back({name, ""});
  if (node.filter) {  // `for x in xs if cond` filters first, so loop.length counts what is left
    std::vector<Value> kept;
    for (Value& item : items) {
      spend_step();
      auto probe = std::make_shared<Scope>(scope);
      bind_targets(probe, targets, item);
      if (eval(*node.filter, probe).truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) return execute(node.otherwise, scope, out);
  for (size_t i = 0; i < items.size(); ++i) {
    spend_step();
    auto iteration = std::make_shared<Scope>(scope);
    bind_targets(iteration, targets, items[i]);
    iteration->set("loop", make_loop(i, items));
    if (execute(node.body, iteration, out) == Flow::break_loop) break;
  }
  return Flow::normal;
}

void Interpreter::assign(const ScopePtr& scope, const AssignTarget& target, Value value) {
  if (target.attribute.empty()) {
    scope->set(target.name, std::move(value));
    return;
  }
  const Value* object = scope->find(target.name);
  if (!object || !object->is_dict() || !object->as_dict().is_namespace) {
    throw Error(ErrorCode::invalid_argument, "cannot assign attribute on non-namespace object");
  }
  object->as_dict().set(target.attribute, std::move(value));
}

void Interpreter::release(const ScopePtr& scope, const AssignTarget& target) {
  Value* slot = nullptr;
  if (target.attribute.empty()) {
    slot = scope->own(target.name);  // a parent's variable of that name stays: set makes a new one here
  } else if (const Value* object = scope->find(target.name); object && object->is_dict() && object->as_dict().is_namespace) {
    slot = object->as_dict().find(target.attribute);
  }
  if (slot) *slot = Value();
}

void Interpreter::bind_targets(const ScopePtr& scope, const std::vector<AssignTarget>& targets, const Value& value) {
  if (targets.size() == 1) return assign(scope, targets[0], value);
  std::vector<Value> parts = iterate(value);
  if (parts.size() != targets.size()) {
    throw Error(ErrorCode::invalid_argument,
                parts.size() > targets.size()
                    ? "too many values to unpack (expected " + std::to_string(targets.size()) + ")"
                    : "not enough values to unpack (expected " + std::to_string(targets.size()) + ", got " +
                          std::to_string(parts.size()) + ")");
  }
  for (size_t i = 0; i < targets.size(); ++i) assign(scope, targets[i], parts[i]);
}

void Interpreter::execute_set(const SetStmt& node, const ScopePtr& scope) {
  at_line(node.line, [&] {
    if (node.kind == Stmt::Kind::set && node.targets.size() == 1 && node.value->kind == Expr::Kind::binary) {
      const auto& binary = as<BinaryExpr>(*node.value);
      if (binary.op == BinaryOp::add || binary.op == BinaryOp::concat) {
        // `set x = x + y`: the target is overwritten next, so its reference to the old value goes
        // first; then + and ~ find x's string or list unshared and append in place, and a loop
        // that builds a list or a string this way stays linear instead of copying it each time.
        Value left = eval(*binary.left, scope);
        Value right = eval(*binary.right, scope);
        release(scope, node.targets[0]);
        assign(scope, node.targets[0], at_line(binary.line, [&] {
                 return binary.op == BinaryOp::add ? arithmetic(binary.op, std::move(left), right)
                                                   : concat(std::move(left), right);
               }));
        return;
      }
    }
    if (node.kind == Stmt::Kind::set) {
      bind_targets(scope, node.targets, eval(*node.value, scope));
      return;
    }
    BudgetedText inner;
    execute(node.body, scope, inner);
    Value value(inner.take());
    if (node.filter) value = apply_filter_expr(*node.filter, value, scope);
    assign(scope, node.targets[0], std::move(value));
  });
}

void Interpreter::define_macro(const MacroStmt& node, const ScopePtr& scope) {
  // The closure is weak: the macro usually lives in the scope it refers to.
  std::weak_ptr<Scope> closure = scope;
  const MacroStmt* macro = &node;
  scope->set(node.name, Value::function(node.name, [this, macro, closure](CallArgs& args) {
    return invoke(*macro, closure, args);
  }));
}

void Interpreter::execute_call_block(const CallBlockStmt& node, const ScopePtr& scope, BudgetedText& out) {
  std::weak_ptr<Scope> closure = scope;
  const MacroStmt* body = &node.caller;
  Value caller = Value::function("caller", [this, body, closure](CallArgs& args) {
    return invoke(*body, closure, args);
  });
  Value callee = eval(*node.call->callee, scope);
  CallArgs args = eval_arguments(node.call->args, scope);
  args.keyword.emplace_back("caller", std::move(caller));
  at_line(node.line, [&] { out.append(to_str(call(callee, args))); });
}

Value Interpreter::invoke(const MacroStmt& macro, const std::weak_ptr<Scope>& closure, CallArgs& args) {
  spend_step();
  if (call_depth_ >= limits_.max_call_depth) {
    throw Error(ErrorCode::resource_exhausted, "macro calls nested too deeply (more than " +
                                                   std::to_string(limits_.max_call_depth) + ")");
  }
  const auto& parameters = macro.parameters;
  if (args.positional.size() > parameters.size() && !macro.takes_varargs) {
    throw Error(ErrorCode::invalid_argument, "macro '" + macro.name + "' takes not more than " +
                                                 std::to_string(parameters.size()) + " argument(s)");
  }
  ScopePtr parent = closure.lock();
  auto scope = std::make_shared<Scope>(parent ? parent : root_);
  std::vector<bool> keyword_used(args.keyword.size(), false);
  for (size_t i = 0; i < parameters.size(); ++i) {
    const Parameter& parameter = parameters[i];
    const Value* value = i < args.positional.size() ? &args.positional[i] : nullptr;
    for (size_t k = 0; !value && k < args.keyword.size(); ++k) {
      if (args.keyword[k].first == parameter.name) {
        value = &args.keyword[k].second;
        keyword_used[k] = true;
      }
    }
    if (value) {
      scope->set(parameter.name, *value);
    } else if (parameter.default_value) {
      scope->set(parameter.name, eval(*parameter.default_value, scope));
    } else {
      scope->set(parameter.name, Undefined{"parameter '" + parameter.name + "' was not provided"});
    }
  }
  std::vector<Value> extra_positional;
  for (size_t i = parameters.size(); i < args.positional.size(); ++i) extra_positional.push_back(args.positional[i]);
  Value extra_keywords = Value::dict();
  for (size_t k = 0; k < args.keyword.size(); ++k) {
    const auto& [key, value] = args.keyword[k];
    if (keyword_used[k]) continue;
    if (key == "caller") {
      scope->set("caller", value);
    } else if (macro.takes_kwargs) {
      extra_keywords.as_dict().set(key, value);
    } else {
      throw Error(ErrorCode::invalid_argument, "macro '" + macro.name + "' takes no keyword argument '" + key + "'");
    }
  }
  scope->set("varargs", Value::list(std::move(extra_positional), true));
  scope->set("kwargs", std::move(extra_keywords));
  ++call_depth_;
  BudgetedText out;
  try {
    execute(macro.body, scope, out);
  } catch (...) {
    --call_depth_;
    throw;
  }
  --call_depth_;
  return out.take();
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (callee.is_callable()) return callee.as_callable().call(args);
  if (callee.is_undefined()) undefined_error(callee);
  throw Error(ErrorCode::invalid_argument, "'" + std::string(callee.type_name()) + "' object is not callable");
}

CallArgs Interpreter::eval_arguments(const Arguments& args, const ScopePtr& scope) {
  CallArgs out;
  out.positional.reserve(args.positional.size());
  for (const ExprPtr& expr : args.positional) out.positional.push_back(eval(*expr, scope));
  for (const auto& [name, expr] : args.keyword) out.keyword.emplace_back(name, eval(*expr, scope));
  return out;
}

Value Interpreter::apply_filter_expr(const FilterExpr& node, const Value& subject, const ScopePtr& scope) {
  CallArgs args = eval_arguments(node.args, scope);
  return apply_filter(node.name, subject, args);
}

Value Interpreter::eval(const Expr& expr, const ScopePtr& scope) {
  return at_line(expr.line, [&] { return eval_unchecked(expr, scope); });
}

Value Interpreter::eval_unchecked(const Expr& expr, const ScopePtr& scope) {
  switch (expr.kind) {
    case Expr::Kind::literal:
      return as<LiteralExpr>(expr).value;
    case Expr::Kind::name: {
      const std::string& name = as<NameExpr>(expr).name;
      if (const Value* value = scope->find(name)) return *value;
      return Undefined{"'" + name + "' is undefined"};
    }
    case Expr::Kind::list:
    case Expr::Kind::tuple: {
      std::vector<Value> items;
      for (const ExprPtr& item : as<SequenceExpr>(expr).items) items.push_back(eval(*item, scope));
      return Value::list(std::move(items), expr.kind == Expr::Kind::tuple);
    }
    case Expr::Kind::dict: {
      Value dict = Value::dict();
      for (const auto& [key_expr, value_expr] : as<DictExpr>(expr).entries) {
        Value key = eval(*key_expr, scope);
        if (!key.is_string()) throw Error(ErrorCode::invalid_argument, "dict literal keys must be strings, got " + std::string(key.type_name()));
        dict.as_dict().set(key.as_string(), eval(*value_expr, scope));
      }
      return dict;
    }
    case Expr::Kind::attribute: {
      const auto& node = as<AttributeExpr>(expr);
      return get_attribute(eval(*node.object, scope), node.name);
    }
    case Expr::Kind::subscript: {
      const auto& node = as<SubscriptExpr>(expr);
      Value object = eval(*node.object, scope);
      return get_item(object, eval(*node.index, scope));
    }
    case Expr::Kind::slice: {
      const auto& node = as<SliceExpr>(expr);
      Value object = eval(*node.object, scope);
      auto part = [&](const ExprPtr& e) { return e ? eval(*e, scope) : Value(); };
      return slice(object, part(node.start), part(node.stop), part(node.step));
    }
    case Expr::Kind::call: {
      const auto& node = as<CallExpr>(expr);
      Value callee = eval(*node.callee, scope);
      CallArgs args = eval_arguments(node.args, scope);
      return call(callee, args);
    }
    case Expr::Kind::filter: {
      const auto& node = as<FilterExpr>(expr);
      return apply_filter_expr(node, eval(*node.subject, scope), scope);
    }
    case Expr::Kind::test: {
      const auto& node = as<TestExpr>(expr);
      Value subject = eval(*node.subject, scope);
      CallArgs args = eval_arguments(node.args, scope);
      return apply_test(node.name, subject, args) != node.negated;
    }
    case Expr::Kind::unary: {
      const auto& node = as<UnaryExpr>(expr);
      Value operand = eval(*node.operand, scope);
      if (node.op == UnaryOp::logical_not) return !operand.truthy();
      if (node.op == UnaryOp::negate) return negate(operand);
      if (operand.is_undefined()) undefined_error(operand);
      if (!operand.is_int() && !operand.is_float() && !operand.is_bool()) {
        throw Error(ErrorCode::invalid_argument, "bad operand type for unary +: '" + std::string(operand.type_name()) + "'");
      }
      return operand.is_bool() ? Value(int64_t(operand.as_bool())) : operand;
    }
    case Expr::Kind::binary:
      return eval_binary(as<BinaryExpr>(expr), scope);
    case Expr::Kind::compare:
      return eval_compare(as<CompareExpr>(expr), scope);
    case Expr::Kind::conditional: {
      const auto& node = as<ConditionalExpr>(expr);
      if (eval(*node.condition, scope).truthy()) return eval(*node.then, scope);
      if (node.otherwise) return eval(*node.otherwise, scope);
      return Undefined{"the inline if expression had no else branch"};
    }
  }
  GH_CHECK(false);
}

Value Interpreter::eval_binary(const BinaryExpr& node, const ScopePtr& scope) {
  Value left = eval(*node.left, scope);
  switch (node.op) {
    case BinaryOp::logical_and:
      return left.truthy() ? eval(*node.right, scope) : left;
    case BinaryOp::logical_or:
      return left.truthy() ? left : eval(*node.right, scope);
    case BinaryOp::concat: {
      Value right = eval(*node.right, scope);
      return concat(std::move(left), right);
    }
    default: {
      Value right = eval(*node.right, scope);
      return arithmetic(node.op, std::move(left), right);
    }
  }
}

bool Interpreter::eval_compare(const CompareExpr& node, const ScopePtr& scope) {
  Value left = eval(*node.first, scope);
  for (const auto& [op, right_expr] : node.rest) {
    Value right = eval(*right_expr, scope);
    bool holds = false;
    switch (op) {
      case CompareOp::eq: holds = equals(left, right); break;
      case CompareOp::ne: holds = !equals(left, right); break;
      case CompareOp::lt: holds = less_than(left, right); break;
      case CompareOp::le: holds = less_than(left, right) || equals(left, right); break;
      case CompareOp::gt: holds = less_than(right, left); break;
      case CompareOp::ge: holds = less_than(right, left) || equals(left, right); break;
      case CompareOp::in: holds = contains(right, left); break;
      case CompareOp::not_in: holds = !contains(right, left); break;
    }
    if (!holds) return false;
    left = std::move(right);
  }
  return true;
}

}  // namespace gatehouse::tokenizer::jinja
