// Gemini GenerateContentResponse -> Anthropic message / stream events, and Anthropic error rendering.
#include <algorithm>
#include <string>

#include <boost/json.hpp>

#include "sse/serializer.hpp"
#include "translate/anthropic/blocks.hpp"
#include "translate/anthropic/messages.hpp"
#include "translate/anthropic/signature.hpp"

namespace gw::translate::anthropic {
namespace json = boost::json;

namespace {

void event(std::string* out, std::string_view name, const json::object& data) {
  sse::append_event(*out, name, json::serialize(data));
}

std::string_view string_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

bool is_true(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

// Token counts are clamped to +-2^53 (exact in a double, which is how JSON clients read them), so the sums and
// differences built from them (prompt - cached, candidates + thoughts) cannot overflow whatever the upstream sends.
std::int64_t int_of(const json::object& o, std::string_view key) {
  constexpr std::int64_t limit = std::int64_t{1} << 53;
  const json::value* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return std::clamp(v->get_int64(), -limit, limit);
  if (v->is_uint64()) return static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), limit));
  if (v->is_double()) {  // compared before converting: a double outside int64 is undefined behaviour to convert
    const double d = v->get_double();
    if (d >= 0x1p53) return limit;
    if (d <= -0x1p53) return -limit;
    return static_cast<std::int64_t>(d);
  }
  if (v->is_string()) {  // proto-JSON int64 may come quoted
    std::int64_t n = 0;
    for (char c : v->get_string()) {
      if (c < '0' || c > '9') return 0;
      n = std::min(n * 10 + (c - '0'), limit);  // stops growing at the limit, so it never overflows
    }
    return n;
  }
  return 0;
}

const json::object* candidate0(const json::object& response) {
  const json::value* cv = response.if_contains("candidates");
  if (!cv || !cv->is_array() || cv->get_array().empty()) return nullptr;
  return cv->get_array()[0].if_object();
}

const json::array* parts_of(const json::object& candidate) {
  const json::value* content = candidate.if_contains("content");
  if (!content || !content->is_object()) return nullptr;
  const json::value* parts = content->get_object().if_contains("parts");
  return parts && parts->is_array() ? &parts->get_array() : nullptr;
}

bool prompt_blocked(const json::object& response) {
  const json::value* pf = response.if_contains("promptFeedback");
  return pf && pf->is_object() && !string_of(pf->get_object(), "blockReason").empty() && !candidate0(response);
}

// executableCode / codeExecutionResult: no Anthropic block a client would understand, so fenced text.
std::string code_text(const json::object& part) {
  if (const json::value* ec = part.if_contains("executableCode"); ec && ec->is_object()) {
    std::string lang(string_of(ec->get_object(), "language"));
    for (char& c : lang) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lang == "language_unspecified") lang.clear();
    return "\n```" + lang + "\n" + std::string(string_of(ec->get_object(), "code")) + "\n```\n";
  }
  if (const json::value* cr = part.if_contains("codeExecutionResult"); cr && cr->is_object()) {
    const std::string_view output = string_of(cr->get_object(), "output");
    const std::string_view outcome = string_of(cr->get_object(), "outcome");
    std::string text = "\n```\n" + std::string(output);
    if (!output.empty() && !output.ends_with('\n')) text += '\n';
    text += "```\n";
    if (!outcome.empty() && outcome != "OUTCOME_OK") text += "(" + std::string(outcome) + ")\n";
    return text;
  }
  return {};
}

}  // namespace

// ---- block assembler -------------------------------------------------------------------------------

void block_assembler::open(kind k, std::string* out) {
  close(out);
  open_ = k;
  ++index_;
  json::object shell;
  if (k == kind::text) {
    shell = {{"type", "text"}, {"text", ""}};
  } else {
    shell = {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}};
    signature_ = std::move(pending_);  // a signature that came just before the thoughts belongs to them
    pending_.clear();
  }
  if (out) {
    event(out, "content_block_start",
          json::object{{"type", "content_block_start"}, {"index", index_}, {"content_block", std::move(shell)}});
  } else {
    blocks_.push_back(std::move(shell));
  }
}

void block_assembler::append(std::string_view text, std::string* out) {
  const bool thinking = open_ == kind::thinking;
  if (out) {
    json::object delta = thinking ? json::object{{"type", "thinking_delta"}, {"thinking", text}}
                                  : json::object{{"type", "text_delta"}, {"text", text}};
    event(out, "content_block_delta",
          json::object{{"type", "content_block_delta"}, {"index", index_}, {"delta", std::move(delta)}});
  } else {
    json::string& s = blocks_.back().get_object()[thinking ? "thinking" : "text"].get_string();
    s.append(text);
  }
}

void block_assembler::close(std::string* out) {
  if (open_ == kind::none) return;
  if (open_ == kind::thinking && !signature_.empty()) {
    std::string tagged = encode_signature(ctx_->upstream_model, signature_);
    if (out) {
      event(out, "content_block_delta",
            json::object{{"type", "content_block_delta"},
                         {"index", index_},
                         {"delta", json::object{{"type", "signature_delta"}, {"signature", tagged}}}});
    } else {
      blocks_.back().get_object()["signature"] = tagged;
    }
  }
  signature_.clear();
  if (out) event(out, "content_block_stop", json::object{{"type", "content_block_stop"}, {"index", index_}});
  open_ = kind::none;
}

void block_assembler::signature_block(std::string_view signature, std::string* out) {
  open(kind::thinking, out);
  signature_ = signature;
  close(out);
}

void block_assembler::tool_use(const json::object& call, std::string_view signature, std::string* out) {
  // The call's signature must sit on a thinking block right before it, where the replay looks for it.
  if (!signature.empty()) {
    if (open_ == kind::thinking && signature_.empty()) {
      signature_ = signature;
      close(out);
    } else {
      signature_block(signature, out);
    }
  } else {
    close(out);
  }
  ++index_;
  ++tool_uses_;
  std::string id(string_of(call, "id"));
  if (id.empty()) id = ctx_->tool_id_prefix + std::to_string(tool_uses_);
  const json::string name(ctx_->tool_names.to_client(string_of(call, "name")));
  const json::value* args = call.if_contains("args");
  json::object input = args && args->is_object() ? args->get_object() : json::object{};
  if (out) {
    event(out, "content_block_start",
          json::object{{"type", "content_block_start"},
                       {"index", index_},
                       {"content_block", json::object{{"type", "tool_use"}, {"id", id}, {"name", name},
                                                      {"input", json::object{}}}}});
    event(out, "content_block_delta",
          json::object{{"type", "content_block_delta"},
                       {"index", index_},
                       {"delta", json::object{{"type", "input_json_delta"}, {"partial_json", json::serialize(input)}}}});
    event(out, "content_block_stop", json::object{{"type", "content_block_stop"}, {"index", index_}});
  } else {
    blocks_.push_back(json::object{{"type", "tool_use"}, {"id", id}, {"name", name}, {"input", std::move(input)}});
  }
}

void block_assembler::on_part(const json::object& part, std::string* out) {
  std::string_view sig = string_of(part, "thoughtSignature");
  if (sig.empty()) sig = string_of(part, "thought_signature");

  if (const json::value* fc = part.if_contains("functionCall"); fc && fc->is_object()) {
    std::string own(sig);
    if (own.empty()) own = std::move(pending_);
    pending_.clear();
    tool_use(fc->get_object(), own, out);
    return;
  }

  std::string text(string_of(part, "text"));
  const bool thought = is_true(part, "thought");
  if (text.empty() && !thought) text = code_text(part);

  if (thought && !text.empty()) {
    if (open_ != kind::thinking) open(kind::thinking, out);
    append(text, out);
    if (!sig.empty()) signature_ = sig;  // the latest signature covers the thoughts so far
    return;
  }
  if (!text.empty()) {
    // A signature on answer text has no place on a text block; the thinking block it follows takes it.
    if (!sig.empty() && open_ == kind::thinking && signature_.empty()) signature_ = sig;
    if (open_ != kind::text) open(kind::text, out);
    append(text, out);
    return;
  }
  // A part with no text (a signature-only part, an inlineData, an empty text): never opens a block.
  if (!sig.empty()) {
    if (open_ == kind::thinking) {
      signature_ = sig;
    } else {
      pending_ = sig;
    }
  }
}

std::string_view stop_reason(std::string_view finish, bool saw_tool_use, bool blocked) {
  if (blocked) return "refusal";
  if (finish == "MAX_TOKENS") return "max_tokens";
  if (finish == "SAFETY" || finish == "RECITATION" || finish == "BLOCKLIST" || finish == "PROHIBITED_CONTENT" ||
      finish == "SPII" || finish == "LANGUAGE" || finish == "IMAGE_SAFETY" || finish == "IMAGE_PROHIBITED_CONTENT" ||
      finish == "IMAGE_RECITATION")
    return "refusal";
  if (saw_tool_use && (finish.empty() || finish == "STOP" || finish == "FINISH_REASON_UNSPECIFIED")) return "tool_use";
  // STOP (also when a stop sequence fired: Gemini does not say which), OTHER, MALFORMED_FUNCTION_CALL, ...
  return "end_turn";
}

json::object usage_json(std::int64_t prompt, std::int64_t cached, std::int64_t candidates, std::int64_t thoughts) {
  return json::object{{"input_tokens", prompt > cached ? prompt - cached : 0},
                      {"cache_creation_input_tokens", 0},
                      {"cache_read_input_tokens", cached},
                      {"output_tokens", candidates + thoughts}};
}

// ---- whole message ----------------------------------------------------------------------------------

result<std::string> from_gemini(const json::object& response, const response_context& ctx) {
  block_assembler blocks(ctx);
  std::string_view finish;
  if (const json::object* cand = candidate0(response)) {
    if (const json::array* parts = parts_of(*cand))
      for (const auto& p : *parts)
        if (const json::object* part = p.if_object()) blocks.on_part(*part, nullptr);
    finish = string_of(*cand, "finishReason");
  }
  blocks.close(nullptr);
  json::object usage = usage_json(0, 0, 0, 0);
  if (const json::value* um = response.if_contains("usageMetadata"); um && um->is_object()) {
    const json::object& u = um->get_object();
    usage = usage_json(int_of(u, "promptTokenCount"), int_of(u, "cachedContentTokenCount"),
                       int_of(u, "candidatesTokenCount"), int_of(u, "thoughtsTokenCount"));
  }
  json::object msg{{"id", ctx.message_id},
                   {"type", "message"},
                   {"role", "assistant"},
                   {"model", ctx.model},
                   {"content", std::move(blocks.blocks())},
                   {"stop_reason", stop_reason(finish, blocks.saw_tool_use(), prompt_blocked(response))},
                   {"stop_sequence", nullptr},
                   {"usage", std::move(usage)}};
  return json::serialize(msg);
}

// ---- stream -----------------------------------------------------------------------------------------

stream_from_gemini::stream_from_gemini(stream_from_gemini&& o) noexcept
    : ctx_(std::move(o.ctx_)),
      blocks_(std::move(o.blocks_)),
      state_(o.state_),
      finish_reason_(std::move(o.finish_reason_)),
      blocked_(o.blocked_),
      usage_seen_(o.usage_seen_),
      usage_(o.usage_) {
  blocks_.rebind(ctx_);
}

void stream_from_gemini::start(std::string& out) {
  if (state_ != state::before_start) return;
  state_ = state::streaming;
  json::object message{{"id", ctx_.message_id},
                       {"type", "message"},
                       {"role", "assistant"},
                       {"model", ctx_.model},
                       {"content", json::array{}},
                       {"stop_reason", nullptr},
                       {"stop_sequence", nullptr},
                       {"usage", usage_json(usage_.input, usage_.cached, 0, 0)}};
  sse::append_event(out, "message_start",
                    json::serialize(json::object{{"type", "message_start"}, {"message", std::move(message)}}));
}

void stream_from_gemini::finish(std::string& out) {
  start(out);
  blocks_.close(&out);
  json::object delta{{"stop_reason", stop_reason(finish_reason_, blocks_.saw_tool_use(), blocked_)},
                     {"stop_sequence", nullptr}};
  // Cumulative; input_tokens here too, since message_start often had to say 0.
  json::object data{{"type", "message_delta"},
                    {"delta", std::move(delta)},
                    {"usage", usage_json(usage_.input, usage_.cached, usage_.output, usage_.thinking)}};
  sse::append_event(out, "message_delta", json::serialize(data));
  sse::append_event(out, "message_stop", R"({"type":"message_stop"})");
  state_ = state::ended;
}

void stream_from_gemini::on_chunk(const json::object& response, std::string& out) {
  if (const json::value* um = response.if_contains("usageMetadata"); um && um->is_object()) {
    const json::object& u = um->get_object();
    // Intermediate chunks carry only trafficType: a count is updated only when it is there.
    auto take = [&](std::string_view key, std::int64_t& into) {
      if (u.contains(key)) {
        into = int_of(u, key);
        usage_seen_ = true;
      }
    };
    take("promptTokenCount", usage_.input);
    take("candidatesTokenCount", usage_.output);
    take("thoughtsTokenCount", usage_.thinking);
    take("cachedContentTokenCount", usage_.cached);
  }
  if (state_ == state::ended) return;
  start(out);
  if (prompt_blocked(response)) blocked_ = true;
  if (const json::object* cand = candidate0(response)) {
    if (const json::array* parts = parts_of(*cand))
      for (const auto& p : *parts)
        if (const json::object* part = p.if_object()) blocks_.on_part(*part, &out);
    if (auto f = string_of(*cand, "finishReason"); !f.empty()) finish_reason_ = f;
  }
  if ((!finish_reason_.empty() || blocked_) && usage_seen_) finish(out);
}

void stream_from_gemini::on_finish(std::string& out) {
  if (state_ == state::ended) return;
  finish(out);
}

void stream_from_gemini::on_error(const gw::error& e, std::string& out) {
  if (state_ == state::ended) return;
  sse::append_event(out, "error", render_error(e).body);  // the same body as before the commit
  state_ = state::ended;
}

void stream_from_gemini::heartbeat(std::string& out) {
  if (state_ == state::ended) return;
  start(out);
  sse::append_event(out, "ping", R"({"type":"ping"})");
}

}  // namespace gw::translate::anthropic
