#include "serve/generation.h"

#include "api/error_envelope.h"
#include "api/sse.h"
#include "http/error_status.h"

namespace gatehouse::serve {

Generation::Generation(const tokenizer::Tokenizer& tokenizer, std::string id, GenerationSpec spec)
    : tokenizer_(tokenizer), id_(std::move(id)), spec_(std::move(spec)) {
  const int64_t n = spec_.params.n;
  for (size_t p = 0; p < spec_.prompts.size(); ++p) {
    engine_ids_.push_back(spec_.prompts.size() == 1 ? id_ : id_ + "-" + std::to_string(p));
    for (int64_t i = 0; i < n; ++i) {
      Choice choice;
      choice.index = static_cast<int64_t>(p) * n + i;
      choice.prompt_index = static_cast<int64_t>(p);
      choice.text = std::make_unique<TextOutput>(tokenizer_, spec_.skip_special_tokens, spec_.stop);
      choices_.push_back(std::move(choice));
    }
  }
  unfinished_ = static_cast<int64_t>(choices_.size());
  cache_counted_.assign(spec_.prompts.size(), false);
  prompt_logprobs_.resize(spec_.prompts.size());
}

Generation::~Generation() { release(); }

http::Response Generation::start(EngineLoop& loop, bool events) {
  http::Response response = events ? http::Response::with_body(200, "", "text/event-stream; charset=utf-8")
                                   : http::Response::json(200, "");
  if (events) {
    response.set_header("Cache-Control", "no-cache");
    response.set_header("X-Accel-Buffering", "no");
  }
  response.stream = std::make_shared<http::ResponseStream>();
  loop_ = &loop;
  stream_ = response.stream;
  std::vector<engine::Request> requests;
  for (size_t p = 0; p < spec_.prompts.size(); ++p) {
    requests.push_back({engine_ids_[p], spec_.prompts[p], spec_.params});
    if (!spec_.seeds.empty()) requests.back().params.seed = spec_.seeds[p];
  }
  // The callback holds the loop and the ids, not the generation, so it never outlives either's use.
  stream_->on_client_gone([&loop, ids = engine_ids_] { loop.cancel(ids); });
  loop.submit(std::move(requests), shared_from_this());
  pending_ = true;
  return response;
}

void Generation::release() {
  if (pending_) loop_->release();
  pending_ = false;
}

bool Generation::on_update(engine::SequenceUpdate& update) {
  if (failed_) return false;
  size_t prompt = 0;
  while (engine_ids_[prompt] != update.request_id) ++prompt;
  if (!cache_counted_[prompt] && !update.new_tokens.empty()) {
    cache_counted_[prompt] = true;
    cached_prompt_tokens_ += update.cached_prompt_tokens;
  }
  if (!update.prompt_logprobs.empty()) prompt_logprobs_[prompt] = std::move(update.prompt_logprobs);
  Choice& choice = choices_[prompt * static_cast<size_t>(spec_.params.n) + static_cast<size_t>(update.index)];
  if (choice.finish_reason) return false;
  const size_t first_new = choice.tokens.size();
  choice.tokens.insert(choice.tokens.end(), update.new_tokens.begin(), update.new_tokens.end());
  for (engine::SampledToken& sampled : update.new_logprobs) choice.logprobs.push_back(std::move(sampled));

  const bool engine_finished = update.finish != engine::FinishReason::none;
  // As vLLM: the token that stopped the sequence (end of sequence, or a stop_token_ids entry) is
  // counted but not part of the text, even when special tokens are kept.
  std::span<const int32_t> decoded = update.new_tokens;
  if (update.finish == engine::FinishReason::stop && !spec_.stop.include_in_output && !decoded.empty()) {
    decoded = decoded.first(decoded.size() - 1);
  }
  TextOutput::Delta delta = choice.text->add(decoded, engine_finished);
  if (delta.stop_string) {
    choice.finish_reason = "stop";
    choice.stop_string = std::move(delta.stop_string);
  } else if (engine_finished) {
    choice.finish_reason = finish_reason_name(update.finish);
    choice.stop_token = update.stop_token;
  }
  if (!stream_->client_gone()) on_progress(choice, delta.text, first_new);
  if (choice.finish_reason && --unfinished_ == 0 && !stream_->client_gone()) on_complete();
  return !choice.finish_reason;
}

void Generation::on_failed(const std::string& request_id, const Error& error) {
  (void)request_id;
  if (failed_) return;
  failed_ = true;
  loop_->cancel(engine_ids_);
  if (!stream_->client_gone()) on_error(error);
}

void Generation::on_error(const Error& error) {
  const int status = http::status_for(error.code());
  release();
  if (streaming_started_) {
    send_event(api::openai_error_json(status, error.what()));
    send_done();
    stream_->close();
  } else {
    stream_->finish(api::openai_error_response(status, error.what()));
  }
}

int64_t Generation::prompt_tokens() const {
  int64_t total = 0;
  for (const auto& prompt : spec_.prompts) total += static_cast<int64_t>(prompt.size());
  return total;
}

int64_t Generation::completion_tokens() const {
  int64_t total = 0;
  for (const Choice& choice : choices_) total += static_cast<int64_t>(choice.tokens.size());
  return total;
}

void Generation::send_event(const std::string& json) {
  streaming_started_ = true;
  stream_->write(api::sse_event(json));
}

void Generation::send_done() {
  streaming_started_ = true;
  stream_->write(std::string(api::kSseDone));
}

}  // namespace gatehouse::serve
