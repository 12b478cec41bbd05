// The memory one render may hold. Every string, list and dict the interpreter builds, and every
// output buffer, is charged to the budget of the render that built it for as long as it lives (a
// Charge inside the value), so a template that grows values in a loop ends in one error naming
// the limit instead of exhausting the process. Text a filter or printer computes before it
// becomes a value grows as a BudgetedText, checked before each allocation. The render running on
// a thread makes its budget the active one there; values built outside a render are not charged.
// A budget belongs to one render and one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace gatehouse::tokenizer::jinja {

class MemoryBudget {
 public:
  explicit MemoryBudget(size_t limit) : limit_(limit) {}

  // Adds `bytes` to what is held; throws resource_exhausted (adding nothing) when that would
  // pass the limit.
  void charge(size_t bytes);
  void refund(size_t bytes) { used_ -= bytes; }
  bool fits(size_t bytes) const { return bytes <= limit_ - used_; }
  size_t used() const { return used_; }

  // The error every limit check throws: "the template exceeded its 64 MiB memory budget ...".
  [[noreturn]] void exceeded() const;

  // The budget of the render running on this thread, or null.
  static const std::shared_ptr<MemoryBudget>& active();

  // Makes `budget` the active one on this thread for its own life.
  class Activation {
   public:
    explicit Activation(std::shared_ptr<MemoryBudget> budget);
    ~Activation();
    Activation(const Activation&) = delete;
    Activation& operator=(const Activation&) = delete;

   private:
    std::shared_ptr<MemoryBudget> previous_;
  };

 private:
  size_t limit_;
  size_t used_ = 0;
};

// Throws the active budget's error when `bytes` more would not fit in it. For a builder about to
// allocate something sized by the template (a padding width, a repeat count) before it is charged.
void ensure_room(size_t bytes);
// The same for `count` elements of `element_size` bytes (a product past size_t never fits).
void ensure_room(uint64_t count, size_t element_size);

// What one value holds against the budget that was active when it was made; refunded when the
// value goes. Not copyable: a copied value is a new value with its own charge.
class Charge {
 public:
  Charge() : budget_(MemoryBudget::active()) {}
  ~Charge() {
    if (budget_) budget_->refund(bytes_);
  }
  Charge(const Charge&) = delete;
  Charge& operator=(const Charge&) = delete;

  // Sets the charge to `bytes`; when growing past the budget throws and keeps the old charge.
  void resize(size_t bytes);
  // Sets the charge for a container about to hold `needed` elements of `element_size` bytes (plus
  // `fixed`) and returns the capacity to reserve: doubling while the budget allows, for amortized
  // growth, else exactly `needed`.
  size_t grow(size_t capacity, size_t needed, size_t element_size, size_t fixed);

 private:
  std::shared_ptr<MemoryBudget> budget_;
  size_t bytes_ = 0;
};

// A string being built, charged as it grows.
class BudgetedText {
 public:
  void append(std::string_view text) {
    reserve(text.size());
    text_.append(text);
  }
  void append(size_t count, char c) {
    reserve(count);
    text_.append(count, c);
  }
  BudgetedText& operator+=(std::string_view text) {
    append(text);
    return *this;
  }
  BudgetedText& operator+=(char c) {
    append(1, c);
    return *this;
  }
  size_t size() const { return text_.size(); }
  bool empty() const { return text_.empty(); }
  std::string_view view() const { return text_; }
  // The text, whose charge ends here (the value it becomes charges it again).
  std::string take();

 private:
  void reserve(size_t extra) {
    if (text_.size() + extra > text_.capacity()) text_.reserve(charge_.grow(text_.capacity(), text_.size() + extra, 1, 0));
  }

  std::string text_;
  Charge charge_;
};

}  // namespace gatehouse::tokenizer::jinja
