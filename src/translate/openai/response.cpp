// Gemini GenerateContentResponse -> OpenAI chat.completion, whole and streamed (grammar in chat.hpp, §2).
#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "sse/serializer.hpp"
#include "translate/openai/chat.hpp"
#include "translate/openai/choice.hpp"

namespace gw::translate::openai {
namespace json = boost::json;
using detail::choice_state;
using detail::delta;
using detail::delta_kind;

namespace {

// Candidates with their choice index (Gemini's "index", else their position).
std::vector<std::pair<int, const json::object*>> candidates_of(const json::object& response) {
  std::vector<std::pair<int, const json::object*>> out;
  const json::value* cv = response.if_contains("candidates");
  if (!cv || !cv->is_array()) return out;
  int pos = 0;
  for (const auto& c : cv->get_array()) {
    const json::object* co = c.if_object();
    if (!co) {
      ++pos;
      continue;
    }
    int index = pos++;
    if (const json::value* iv = co->if_contains("index"); iv && iv->is_int64())
      index = static_cast<int>(iv->get_int64());
    if (index < 0 || index > 63) continue;
    out.emplace_back(index, co);
  }
  return out;
}

bool prompt_blocked(const json::object& response) {
  const json::value* pf = response.if_contains("promptFeedback");
  if (!pf || !pf->is_object()) return false;
  const json::value* br = pf->get_object().if_contains("blockReason");
  return br && br->is_string() && !br->get_string().empty() && br->get_string() != "BLOCKED_REASON_UNSPECIFIED";
}

struct whole_choice {
  explicit whole_choice(int index) : state(index) {}
  choice_state state;
  std::string content, reasoning;
  json::array tool_calls;
  json::value grounding;
  std::string finish;

  void take(std::vector<delta>& deltas) {
    for (auto& d : deltas) {
      if (d.kind == delta_kind::reasoning)
        reasoning += d.text;
      else if (d.kind == delta_kind::content)
        content += d.text;
      else
        tool_calls.push_back(std::move(d.tool_call));
      if (!d.grounding.is_null()) grounding = std::move(d.grounding);
    }
    deltas.clear();
  }
};

}  // namespace

result<std::string> from_gemini(const json::object& response, const response_context& ctx) {
  std::map<int, whole_choice> choices;
  std::vector<delta> deltas;
  for (const auto& [index, cand] : candidates_of(response)) {
    auto it = choices.try_emplace(index, index).first;
    it->second.state.consume(*cand, ctx, deltas);
    it->second.take(deltas);
  }
  const bool blocked = choices.empty() && prompt_blocked(response);
  if (choices.empty()) choices.try_emplace(0, 0);
  json::array out_choices;
  for (auto& [index, c] : choices) {
    c.finish = blocked ? "content_filter" : c.state.finish(deltas);
    c.take(deltas);
    json::object message{{"role", "assistant"}};
    if (c.content.empty() && !c.tool_calls.empty())
      message["content"] = nullptr;
    else
      message["content"] = c.content;
    message["refusal"] = nullptr;
    if (!c.reasoning.empty()) message["reasoning_content"] = c.reasoning;
    if (!c.tool_calls.empty()) {
      for (auto& tc : c.tool_calls) tc.get_object().erase("index");  // index belongs to stream deltas only
      message["tool_calls"] = std::move(c.tool_calls);
    }
    if (!c.grounding.is_null()) message["grounding_metadata"] = std::move(c.grounding);
    out_choices.push_back(json::object{
        {"index", index}, {"message", std::move(message)}, {"logprobs", nullptr}, {"finish_reason", c.finish}});
  }
  json::object out{{"id", ctx.id},
                   {"object", "chat.completion"},
                   {"created", ctx.created},
                   {"model", ctx.model},
                   {"system_fingerprint", nullptr},
                   {"choices", std::move(out_choices)},
                   {"usage", detail::usage_json(detail::read_usage(response).value_or(detail::usage_counts{}))}};
  return json::serialize(out);
}

// ---- stream -------------------------------------------------------------------------------------------------

struct stream_from_gemini::impl {
  enum class state { streaming, done, failed };

  struct choice {
    explicit choice(int index) : s(index) {}
    choice_state s;
    bool finished = false;
  };

  explicit impl(response_context c) : ctx(std::move(c)) {}

  response_context ctx;
  state st = state::streaming;
  std::map<int, choice> choices;
  std::optional<detail::usage_counts> usage;
  std::vector<delta> deltas;

  void chunk(std::string& out, int index, json::object delta_obj, const char* finish) {
    json::object c{{"index", index}, {"delta", std::move(delta_obj)}, {"logprobs", nullptr}};
    if (finish)
      c["finish_reason"] = finish;
    else
      c["finish_reason"] = nullptr;
    json::object o{{"id", ctx.id},
                   {"object", "chat.completion.chunk"},
                   {"created", ctx.created},
                   {"model", ctx.model},
                   {"choices", json::array{std::move(c)}}};
    sse::append_data_event(out, json::serialize(o));
  }

  choice& open(int index, std::string& out) {
    auto [it, fresh] = choices.try_emplace(index, index);
    if (fresh) chunk(out, index, json::object{{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}, nullptr);
    return it->second;
  }

  void emit(std::string& out, int index) {
    for (auto& d : deltas) {
      json::object o;
      if (d.kind == delta_kind::reasoning) {
        o["reasoning_content"] = std::move(d.text);
      } else if (d.kind == delta_kind::content) {
        if (!d.text.empty()) o["content"] = std::move(d.text);
      } else {
        o["tool_calls"] = json::array{std::move(d.tool_call)};
      }
      if (!d.grounding.is_null()) o["grounding_metadata"] = std::move(d.grounding);
      if (!o.empty()) chunk(out, index, std::move(o), nullptr);
    }
    deltas.clear();
  }

  void close(choice& c, std::string& out, const char* forced = nullptr) {
    const std::string reason = c.s.finish(deltas);
    emit(out, c.s.index());
    chunk(out, c.s.index(), json::object(), forced ? forced : reason.c_str());
    c.finished = true;
  }
};

stream_from_gemini::stream_from_gemini(response_context ctx) : impl_(std::make_unique<impl>(std::move(ctx))) {}
stream_from_gemini::~stream_from_gemini() = default;
stream_from_gemini::stream_from_gemini(stream_from_gemini&&) noexcept = default;
stream_from_gemini& stream_from_gemini::operator=(stream_from_gemini&&) noexcept = default;

void stream_from_gemini::on_chunk(const json::object& response, std::string& out) {
  impl& m = *impl_;
  if (auto u = detail::read_usage(response)) m.usage = *u;
  if (m.st != impl::state::streaming) return;
  const auto cands = candidates_of(response);
  if (cands.empty()) {
    if (prompt_blocked(response)) {
      impl::choice& c = m.open(0, out);
      if (!c.finished) m.close(c, out, "content_filter");
    }
    return;
  }
  for (const auto& [index, cand] : cands) {
    impl::choice& c = m.open(index, out);
    if (c.finished) continue;
    c.s.consume(*cand, m.ctx, m.deltas);
    m.emit(out, index);
    if (c.s.finish_seen()) m.close(c, out);
  }
}

void stream_from_gemini::on_finish(std::string& out) {
  impl& m = *impl_;
  if (m.st != impl::state::streaming) return;
  if (m.choices.empty()) m.open(0, out);
  for (auto& [index, c] : m.choices)
    if (!c.finished) m.close(c, out);
  if (m.ctx.include_usage) {
    json::object o{{"id", m.ctx.id},           {"object", "chat.completion.chunk"},
                   {"created", m.ctx.created}, {"model", m.ctx.model},
                   {"choices", json::array()}, {"usage", detail::usage_json(m.usage.value_or(detail::usage_counts{}))}};
    sse::append_data_event(out, json::serialize(o));
  }
  sse::append_data_event(out, "[DONE]");
  m.st = impl::state::done;
}

void stream_from_gemini::on_error(const gw::error& e, std::string& out) {
  impl& m = *impl_;
  if (m.st != impl::state::streaming) return;
  sse::append_data_event(out, error_body(e));
  m.st = impl::state::failed;
}

void stream_from_gemini::heartbeat(std::string& out) {
  if (impl_->st == impl::state::streaming) sse::append_comment(out, "keep-alive");
}

stream_from_gemini::usage stream_from_gemini::totals() const {
  usage u;
  if (const auto& c = impl_->usage) {
    u.input = c->prompt + c->tool_use;
    u.output = c->candidates;
    u.thinking = c->thoughts;
    u.cached = c->cached;
  }
  return u;
}

bool stream_from_gemini::ended() const noexcept { return impl_->st != impl::state::streaming; }

}  // namespace gw::translate::openai
