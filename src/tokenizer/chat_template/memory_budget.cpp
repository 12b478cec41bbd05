#include "tokenizer/chat_template/memory_budget.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "base/error.h"

namespace gatehouse::tokenizer::jinja {
namespace {

thread_local std::shared_ptr<MemoryBudget> active_budget;

std::string describe(size_t bytes) {
  if (bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

void MemoryBudget::charge(size_t bytes) {
  if (!fits(bytes)) exceeded();
  used_ += bytes;
}

void MemoryBudget::exceeded() const {
  throw Error(ErrorCode::resource_exhausted,
              "the template exceeded its " + describe(limit_) +
                  " memory budget (the strings, lists and dicts it builds and the text it renders count "
                  "against it); render a shorter conversation, or fix a template that grows without end");
}

const std::shared_ptr<MemoryBudget>& MemoryBudget::active() { return active_budget; }

MemoryBudget::Activation::Activation(std::shared_ptr<MemoryBudget> budget)
    : previous_(std::exchange(active_budget, std::move(budget))) {}

MemoryBudget::Activation::~Activation() { active_budget = std::move(previous_); }

void ensure_room(size_t bytes) {
  if (active_budget && !active_budget->fits(bytes)) active_budget->exceeded();
}

void ensure_room(uint64_t count, size_t element_size) {
  uint64_t bytes = 0;
  ensure_room(__builtin_mul_overflow(count, uint64_t(element_size), &bytes) ? SIZE_MAX : size_t(bytes));
}

void Charge::resize(size_t bytes) {
  if (!budget_) return;
  if (bytes > bytes_) {
    budget_->charge(bytes - bytes_);
  } else {
    budget_->refund(bytes_ - bytes);
  }
  bytes_ = bytes;
}

size_t Charge::grow(size_t capacity, size_t needed, size_t element_size, size_t fixed) {
  constexpr size_t kMax = std::numeric_limits<size_t>::max();
  if (needed > (kMax - fixed) / element_size) {  // a size no budget holds
    if (budget_) budget_->exceeded();
    throw Error(ErrorCode::resource_exhausted, "value too large");
  }
  size_t doubled = std::max(needed, capacity <= kMax / 4 / element_size ? 2 * capacity : needed);
  size_t wanted = fixed + doubled * element_size;
  if (!budget_ || wanted <= bytes_ || budget_->fits(wanted - bytes_)) {
    resize(wanted);
    return doubled;
  }
  resize(fixed + needed * element_size);
  return needed;
}

std::string BudgetedText::take() {
  charge_.resize(0);
  return std::move(text_);
}

}  // namespace gatehouse::tokenizer::jinja
