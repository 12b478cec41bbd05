#include "tokenizer/regex/pcre2_program.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/error.h"

namespace gatehouse::tokenizer::regex {
namespace {

// Oniguruma's default retry limit per search is also 10 million; HF panics past it.
constexpr uint32_t kMatchLimit = 10'000'000;
constexpr uint32_t kHeapLimitKib = 64 * 1024;
constexpr size_t kJitStackMax = 1 << 20;

// Match data, limits and JIT stack of the calling thread, shared by all programs.
struct ThreadState {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, kJitStackMax, nullptr);

  ThreadState() {
    GH_CHECK(data && context && stack);
    pcre2_set_match_limit(context, kMatchLimit);
    pcre2_set_heap_limit(context, kHeapLimitKib);
    pcre2_jit_stack_assign(context, nullptr, stack);
  }
  ~ThreadState() {
    pcre2_jit_stack_free(stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

std::string error_message(int code) {
  PCRE2_UCHAR buffer[256];
  int length = pcre2_get_error_message(code, buffer, sizeof(buffer));
  return length < 0 ? "PCRE2 error " + std::to_string(code) : std::string(reinterpret_cast<char*>(buffer), size_t(length));
}

}  // namespace

Pcre2Program::Pcre2Program(const std::string& pattern) {
  pcre2_compile_context* context = pcre2_compile_context_create(nullptr);
  GH_CHECK(context);
  pcre2_set_newline(context, PCRE2_NEWLINE_LF);
  int error = 0;
  PCRE2_SIZE offset = 0;
  // Oniguruma (Ruby syntax) has multi-line anchors: ^ and $ match at every line.
  code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                        PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE | PCRE2_NEVER_BACKSLASH_C, &error, &offset,
                        context);
  pcre2_compile_context_free(context);
  if (!code_) {
    throw Error(ErrorCode::invalid_argument,
                error_message(error) + " at offset " + std::to_string(offset) + " of " + pattern);
  }
  jit_ = pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE) == 0;
}

Pcre2Program::~Pcre2Program() { pcre2_code_free(code_); }

bool Pcre2Program::search(std::string_view text, size_t start, size_t& begin, size_t& end) const {
  ThreadState& state = thread_state();
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  int rc = jit_ ? pcre2_jit_match(code_, subject, text.size(), start, 0, state.data, state.context)
                : PCRE2_ERROR_JIT_STACKLIMIT;
  // The interpreter backtracks on the heap, so it gets past a deep pattern the JIT stack cannot.
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
    rc = pcre2_match(code_, subject, text.size(), start, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, state.data,
                     state.context);
  }
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) {
    throw Error(ErrorCode::resource_exhausted,
                "a pre-tokenizer regex gave up at byte " + std::to_string(start) + " of the input: " +
                    error_message(rc) + "; the pattern backtracks too much on this text");
  }
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
  begin = ovector[0];
  end = ovector[1];
  return true;
}

}  // namespace gatehouse::tokenizer::regex
