// Gemini candidate parts -> OpenAI deltas (content, reasoning, tool calls), finish reasons and usage.
#include "translate/openai/choice.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "translate/openai/tool_ids.hpp"

namespace gw::translate::openai::detail {
namespace json = boost::json;

namespace {

std::string_view str(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// Token counts are clamped to +-2^53 (exact in a double, which is how JSON clients read them), so the sums
// built from them (prompt + tool use, prompt + completion) cannot overflow whatever the upstream sends.
std::int64_t count(const json::object& o, std::string_view k) {
  constexpr std::int64_t limit = std::int64_t{1} << 53;
  const json::value* v = o.if_contains(k);
  if (!v) return 0;
  if (v->is_int64()) return std::clamp(v->get_int64(), -limit, limit);
  if (v->is_uint64()) return static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), limit));
  if (v->is_double()) {  // compared before converting: a double outside int64 is undefined behaviour to convert
    const double d = v->get_double();
    if (d >= 0x1p53) return limit;
    if (d <= -0x1p53) return -limit;
    return static_cast<std::int64_t>(d);
  }
  return 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string fenced(std::string_view info, std::string_view body) {
  std::string s = "```";
  s += info;
  s += '\n';
  s += body;
  if (!body.empty() && body.back() != '\n') s += '\n';
  s += "```\n";
  return s;
}

// "Sources:" list from the web grounding chunks, numbered as Gemini numbers them.
std::string sources_text(const json::value& grounding) {
  const json::object* g = grounding.if_object();
  const json::value* chunks = g ? g->if_contains("groundingChunks") : nullptr;
  if (!chunks || !chunks->is_array()) return {};
  std::string s;
  std::size_t n = 0;
  for (const auto& c : chunks->get_array()) {
    ++n;
    const json::object* co = c.if_object();
    const json::value* web = co ? co->if_contains("web") : nullptr;
    if (!web || !web->is_object()) continue;
    const std::string_view uri = str(web->get_object(), "uri");
    if (uri.empty()) continue;
    std::string_view title = str(web->get_object(), "title");
    if (title.empty()) title = uri;
    s += std::to_string(n) + ". [" + std::string(title) + "](" + std::string(uri) + ")\n";
  }
  return s.empty() ? s : "Sources:\n" + s;
}

}  // namespace

void choice_state::content(std::string text, std::vector<delta>& out) {
  if (text.empty()) return;
  last_char_ = text.back();
  out.push_back(delta{delta_kind::content, std::move(text), {}, {}});
}

void choice_state::block(std::string text, std::vector<delta>& out) {
  if (last_char_ != 0 && last_char_ != '\n') text.insert(text.begin(), '\n');
  content(std::move(text), out);
}

void choice_state::consume(const json::object& candidate, const response_context& ctx, std::vector<delta>& out) {
  const json::value* cv = candidate.if_contains("content");
  const json::value* pv = cv && cv->is_object() ? cv->get_object().if_contains("parts") : nullptr;
  if (pv && pv->is_array()) {
    for (const auto& partv : pv->get_array()) {
      const json::object* part = partv.if_object();
      if (!part) continue;
      const std::string_view sig = str(*part, "thoughtSignature");
      const json::value* thought = part->if_contains("thought");
      if (thought && thought->is_bool() && thought->get_bool()) {
        if (const std::string_view t = str(*part, "text"); !t.empty() && ctx.show_reasoning)
          out.push_back(delta{delta_kind::reasoning, std::string(t), {}, {}});
        if (!sig.empty() && calls_ == 0) pending_signature_ = std::string(sig);
        continue;
      }
      if (const json::value* fcv = part->if_contains("functionCall"); fcv && fcv->is_object()) {
        const json::object& fc = fcv->get_object();
        std::string_view name = str(fc, "name");
        if (name.empty()) continue;  // a continuation of streamed arguments (unconfirmed on Code Assist): no call
        if (auto it = ctx.tool_names.find(name); it != ctx.tool_names.end()) name = it->second;
        const json::value* args = fc.if_contains("args");
        const std::string arguments = args && args->is_object() ? json::serialize(*args) : std::string("{}");
        const std::string signature(!sig.empty() ? sig : calls_ == 0 ? std::string_view(pending_signature_) : "");
        std::string base(str(fc, "id"));
        if (base.empty()) base = mint_tool_call_id(ctx.id_seed, index_, calls_);
        json::object call{{"index", calls_},
                          {"id", encode_tool_call_id(base, signature, ctx.upstream_model)},
                          {"type", "function"},
                          {"function", json::object{{"name", name}, {"arguments", arguments}}}};
        if (!signature.empty())
          call["extra_content"] = json::object{{"google", json::object{{"thought_signature", signature}}}};
        out.push_back(delta{delta_kind::tool_call, {}, std::move(call), {}});
        ++calls_;
        continue;
      }
      if (const json::value* t = part->if_contains("text"); t && t->is_string()) {
        if (!t->get_string().empty())
          content(std::string(t->get_string()), out);
        else if (!sig.empty() && calls_ == 0)
          pending_signature_ = std::string(sig);
        continue;
      }
      if (const json::value* ec = part->if_contains("executableCode"); ec && ec->is_object()) {
        std::string lang = lower(str(ec->get_object(), "language"));
        if (lang == "language_unspecified") lang.clear();
        block(fenced(lang, str(ec->get_object(), "code")), out);
        continue;
      }
      if (const json::value* cr = part->if_contains("codeExecutionResult"); cr && cr->is_object()) {
        const std::string_view outcome = str(cr->get_object(), "outcome");
        std::string text;
        if (!outcome.empty() && outcome != "OUTCOME_OK")
          text = "Code execution ended with " + std::string(outcome) + ":\n";
        text += fenced("output", str(cr->get_object(), "output"));
        block(std::move(text), out);
        continue;
      }
      if (const json::value* id = part->if_contains("inlineData"); id && id->is_object()) {
        const std::string_view mime = str(id->get_object(), "mimeType");
        const std::string_view data = str(id->get_object(), "data");
        if (!data.empty())
          block("![" + std::string(mime.starts_with("image/") ? "image" : "file") + "](data:" + std::string(mime) +
                    ";base64," + std::string(data) + ")\n",
                out);
        continue;
      }
      if (const json::value* fd = part->if_contains("fileData"); fd && fd->is_object()) {
        if (const std::string_view uri = str(fd->get_object(), "fileUri"); !uri.empty())
          block("[file](" + std::string(uri) + ")\n", out);
        continue;
      }
    }
  }
  if (const json::value* g = candidate.if_contains("groundingMetadata"); g && g->is_object()) grounding_ = *g;
  if (const std::string_view f = str(candidate, "finishReason"); !f.empty()) gemini_finish_ = std::string(f);
}

std::string choice_state::finish(std::vector<delta>& out) {
  if (!grounding_.is_null()) {
    std::string sources = sources_text(grounding_);
    if (!sources.empty()) sources.insert(0, last_char_ == 0 ? "" : last_char_ == '\n' ? "\n" : "\n\n");
    delta d{delta_kind::content, std::move(sources), {}, std::move(grounding_)};
    if (!d.text.empty()) last_char_ = d.text.back();
    out.push_back(std::move(d));
    grounding_ = nullptr;
  }
  return std::string(finish_reason(gemini_finish_.value_or(""), calls_ > 0));
}

std::string_view finish_reason(std::string_view g, bool called) noexcept {
  if (g == "MAX_TOKENS") return "length";
  if (g == "SAFETY" || g == "RECITATION" || g == "BLOCKLIST" || g == "PROHIBITED_CONTENT" || g == "SPII" ||
      g == "LANGUAGE" || g == "IMAGE_SAFETY" || g == "IMAGE_PROHIBITED_CONTENT" || g == "IMAGE_RECITATION" ||
      g == "IMAGE_OTHER" || g == "OTHER")
    return "content_filter";
  return called ? "tool_calls" : "stop";
}

std::optional<usage_counts> read_usage(const json::object& response) {
  const json::value* uv = response.if_contains("usageMetadata");
  if (!uv || !uv->is_object()) return std::nullopt;
  const json::object& u = uv->get_object();
  if (!u.contains("promptTokenCount") && !u.contains("candidatesTokenCount") && !u.contains("totalTokenCount") &&
      !u.contains("thoughtsTokenCount"))
    return std::nullopt;
  usage_counts c;
  c.prompt = count(u, "promptTokenCount");
  c.candidates = count(u, "candidatesTokenCount");
  c.thoughts = count(u, "thoughtsTokenCount");
  c.cached = count(u, "cachedContentTokenCount");
  c.tool_use = count(u, "toolUsePromptTokenCount");
  return c;
}

json::object usage_json(const usage_counts& u) {
  const std::int64_t prompt = u.prompt + u.tool_use;
  const std::int64_t completion = u.candidates + u.thoughts;
  return json::object{{"prompt_tokens", prompt},
                      {"completion_tokens", completion},
                      {"total_tokens", prompt + completion},
                      {"prompt_tokens_details", json::object{{"cached_tokens", u.cached}}},
                      {"completion_tokens_details", json::object{{"reasoning_tokens", u.thoughts}}}};
}

}  // namespace gw::translate::openai::detail
