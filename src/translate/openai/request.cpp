// OpenAI Chat Completions request -> Gemini GenerateContentRequest (rules in chat.hpp, translation.md §1).
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "models/thinking.hpp"
#include "translate/common/schema.hpp"
#include "translate/openai/chat.hpp"
#include "translate/openai/tool_ids.hpp"

namespace gw::translate::openai {
namespace json = boost::json;

namespace {

// A client error naming the request field at fault (the OpenAI `param`, carried in error::reason).
error bad(std::string message, std::string param) {
  error e = client_error(error_kind::bad_request, std::move(message));
  e.reason = std::move(param);
  return e;
}

std::string idx(std::string_view base, std::size_t i) { return std::string(base) + "[" + std::to_string(i) + "]"; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<double> number_of(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return std::nullopt;
}

std::optional<std::int64_t> integer_of(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64())
    return v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX
                                                                  : static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double()) && std::floor(v.get_double()) == v.get_double() &&
      std::fabs(v.get_double()) < 9e18)
    return static_cast<std::int64_t>(v.get_double());
  return std::nullopt;
}

const json::value* field(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && !v->is_null() ? v : nullptr;
}

json::object text_part(std::string_view text) { return json::object{{"text", text}}; }

// ---- media --------------------------------------------------------------------------------------------------

std::string normalize_mime(std::string_view m) {
  std::string s = lower(m);
  if (s == "image/jpg") return "image/jpeg";
  if (s == "audio/mpeg") return "audio/mp3";
  if (s == "audio/x-wav" || s == "audio/wave") return "audio/wav";
  return s;
}

// Gemini reads these image types only (translation.md §7.7); GIF is refused by 2.x models.
result<void> check_mime(std::string_view mime, const std::string& param) {
  if (mime.empty() || mime.find('/') == std::string_view::npos)
    return bad("the media type of the data could not be determined", param);
  if (mime.starts_with("image/") && mime != "image/png" && mime != "image/jpeg" && mime != "image/webp" &&
      mime != "image/heic" && mime != "image/heif")
    return bad("image type " + std::string(mime) + " is not supported; use PNG, JPEG, WebP, HEIC or HEIF", param);
  if (mime == "application/octet-stream") return bad("the media type of the data is not known", param);
  return {};
}

struct data_uri {
  std::string mime;
  std::string data;  // base64
};

// data:<mime>[;param]*;base64,<data>
result<data_uri> parse_data_uri(std::string_view uri, const std::string& param) {
  const std::size_t comma = uri.find(',');
  if (comma == std::string_view::npos) return bad("malformed data URI", param);
  std::string_view meta = uri.substr(5, comma - 5);
  if (!meta.ends_with(";base64")) return bad("data URIs must be base64-encoded (data:<type>;base64,...)", param);
  meta.remove_suffix(7);
  data_uri d;
  d.mime = normalize_mime(meta.substr(0, meta.find(';')));
  d.data = std::string(uri.substr(comma + 1));
  if (d.data.empty()) return bad("empty data URI", param);
  return d;
}

bool is_http_url(std::string_view u) {
  const std::string head = lower(u.substr(0, 8));
  return head.starts_with("http://") || head.starts_with("https://");
}

// A MIME hint from the URL's extension; the pipeline sniffs the downloaded bytes anyway.
std::string mime_hint_from_name(std::string_view name) {
  name = name.substr(0, name.find_first_of("?#"));
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || name.find('/', dot) != std::string_view::npos) return {};
  const std::string ext = lower(name.substr(dot + 1));
  static const std::pair<std::string_view, std::string_view> table[] = {
      {"png", "image/png"},    {"jpg", "image/jpeg"},  {"jpeg", "image/jpeg"}, {"webp", "image/webp"},
      {"heic", "image/heic"},  {"heif", "image/heif"}, {"gif", "image/gif"},   {"pdf", "application/pdf"},
      {"mp3", "audio/mp3"},    {"wav", "audio/wav"},   {"flac", "audio/flac"}, {"ogg", "audio/ogg"},
      {"aac", "audio/aac"},    {"m4a", "audio/mp4"},   {"mp4", "video/mp4"},   {"mov", "video/quicktime"},
      {"webm", "video/webm"},  {"mpeg", "video/mpeg"}, {"mpg", "video/mpeg"},  {"txt", "text/plain"},
      {"md", "text/markdown"}, {"csv", "text/csv"},    {"html", "text/html"},  {"json", "application/json"}};
  for (const auto& [e, m] : table)
    if (ext == e) return std::string(m);
  return {};
}

json::object inline_part(std::string mime, std::string data) {
  return json::object{{"inlineData", json::object{{"mimeType", mime}, {"data", data}}}};
}

json::object fetch_part(std::string_view url, std::string hint) {
  return json::object{{"fileData", json::object{{"fileUri", url}, {"mimeType", hint}}}, {"_gw_fetch", true}};
}

// A URL or data URI naming media (image_url, video_url, file_data as URL).
result<json::object> media_from_url(std::string_view url, const std::string& param) {
  if (lower(url.substr(0, 5)) == "data:") {
    auto d = parse_data_uri(url, param);
    if (!d) return std::move(d).err();
    if (auto ok = check_mime(d->mime, param); !ok) return std::move(ok).err();
    return inline_part(std::move(d->mime), std::move(d->data));
  }
  if (is_http_url(url)) return fetch_part(url, mime_hint_from_name(url));
  return bad("media must be given as an http(s) URL or a base64 data URI", param);
}

std::string audio_mime(std::string_view format) {
  const std::string f = lower(format);
  if (f == "mp3" || f == "mpeg") return "audio/mp3";
  if (f == "m4a") return "audio/mp4";
  if (f == "wav" || f == "flac" || f == "ogg" || f == "aac" || f == "aiff" || f == "webm" || f == "opus")
    return "audio/" + f;
  return {};
}

result<json::object> audio_part(const json::value& v, const std::string& param) {
  const json::object* a = v.if_object();
  if (!a) return bad("input_audio must be an object with data and format", param);
  const json::value* data = field(*a, "data");
  if (!data || !data->is_string() || data->get_string().empty())
    return bad("input_audio.data must be a base64 string", param + ".data");
  const std::string_view d = data->get_string();
  if (lower(d.substr(0, 5)) == "data:" || is_http_url(d)) return media_from_url(d, param + ".data");
  const json::value* format = field(*a, "format");
  const std::string mime = format && format->is_string() ? audio_mime(format->get_string()) : std::string();
  if (mime.empty())
    return bad("input_audio.format must be one of wav, mp3, flac, ogg, aac, m4a, aiff, webm", param + ".format");
  return inline_part(mime, std::string(d));
}

result<json::object> file_part(const json::value& v, const std::string& param) {
  const json::object* f = v.if_object();
  if (!f) return bad("file must be an object with file_data", param);
  if (field(*f, "file_id") && !field(*f, "file_data"))
    return bad("file_id is not supported; send the file inline as file_data (a base64 data URI)", param + ".file_id");
  const json::value* data = field(*f, "file_data");
  if (!data || !data->is_string() || data->get_string().empty())
    return bad("file.file_data must be a base64 data URI", param + ".file_data");
  const std::string_view d = data->get_string();
  if (lower(d.substr(0, 5)) == "data:" || is_http_url(d)) return media_from_url(d, param + ".file_data");
  std::string mime;
  if (const json::value* name = field(*f, "filename"); name && name->is_string())
    mime = mime_hint_from_name(name->get_string());
  if (mime.empty() && d.starts_with("JVBER")) mime = "application/pdf";  // base64 of "%PDF"
  if (auto ok = check_mime(mime, param + ".file_data"); !ok)
    return bad("the file's type is unknown: send file_data as a data URI (data:<type>;base64,...) or give a filename",
               param + ".file_data");
  return inline_part(mime, std::string(d));
}

// One content part of a user (or tool) message; nullopt for parts that carry nothing (empty text, unknown type).
result<std::optional<json::object>> content_part(const json::value& pv, const std::string& param) {
  const json::object* p = pv.if_object();
  if (!p) {
    if (pv.is_string()) {
      if (pv.get_string().empty()) return std::optional<json::object>();
      return std::optional<json::object>(text_part(pv.get_string()));
    }
    return bad("content parts must be objects", param);
  }
  const json::value* tv = field(*p, "type");
  const std::string type = tv && tv->is_string() ? std::string(tv->get_string()) : std::string();
  auto from = [](result<json::object> r) -> result<std::optional<json::object>> {
    if (!r) return std::move(r).err();
    return std::optional<json::object>(std::move(*r));
  };
  if (type == "text" || type == "input_text" || (type.empty() && p->contains("text"))) {
    const json::value* t = field(*p, "text");
    if (t && !t->is_string()) return bad("text must be a string", param + ".text");
    if (!t || t->get_string().empty()) return std::optional<json::object>();
    return std::optional<json::object>(text_part(t->get_string()));
  }
  if (type == "image_url" || type == "video_url" || type == "audio_url") {
    const json::value* u = field(*p, type);
    const json::value* url = u && u->is_object() ? field(u->get_object(), "url") : u;
    if (!url || !url->is_string() || url->get_string().empty())
      return bad(type + ".url must be a non-empty string", param + "." + type);
    return from(media_from_url(url->get_string(), param + "." + type + ".url"));
  }
  if (type == "input_audio") {
    const json::value* a = field(*p, "input_audio");
    return from(audio_part(a ? *a : json::value(), param + ".input_audio"));
  }
  if (type == "file") {
    const json::value* f = field(*p, "file");
    return from(file_part(f ? *f : json::value(), param + ".file"));
  }
  return std::optional<json::object>();  // unknown part types are ignored, like unknown fields
}

result<void> append_content(const json::value& content, json::array& parts, const std::string& param) {
  if (content.is_null()) return {};
  if (content.is_string()) {
    if (!content.get_string().empty()) parts.push_back(text_part(content.get_string()));
    return {};
  }
  const json::array* a = content.if_array();
  if (!a) return bad("content must be a string or an array of content parts", param);
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto p = content_part((*a)[i], idx(param, i));
    if (!p) return std::move(p).err();
    if (*p) parts.push_back(std::move(**p));
  }
  return {};
}

// Text of a system / assistant / tool content: strings, and the text (and refusal) of part arrays.
result<std::vector<std::string>> text_pieces(const json::value& content, const std::string& param) {
  std::vector<std::string> out;
  if (content.is_null()) return out;
  if (content.is_string()) {
    if (!content.get_string().empty()) out.emplace_back(content.get_string());
    return out;
  }
  const json::array* a = content.if_array();
  if (!a) return bad("content must be a string or an array of content parts", param);
  for (std::size_t i = 0; i < a->size(); ++i) {
    const json::value& pv = (*a)[i];
    if (pv.is_string()) {
      if (!pv.get_string().empty()) out.emplace_back(pv.get_string());
      continue;
    }
    const json::object* p = pv.if_object();
    if (!p) return bad("content parts must be objects", idx(param, i));
    for (std::string_view key : {"text", "refusal"}) {
      if (const json::value* t = field(*p, key); t && t->is_string() && !t->get_string().empty())
        out.emplace_back(t->get_string());
    }
  }
  return out;
}

// ---- conversation -------------------------------------------------------------------------------------------

struct turn {
  std::string role;  // "user" | "model"
  json::array parts;
  bool calls = false;  // a model turn with functionCall parts
};

struct call_slot {
  std::string client_id;
  std::string name;     // upstream function name
  std::string send_id;  // functionCall.id to echo into functionResponse.id ("" = none)
  std::optional<json::object> response;
  json::array extra;  // media a tool result carried, sent after the function responses
};

class conversation {
 public:
  conversation(function_name_map& names, std::string_view upstream_model)
      : names_(names), upstream_model_(upstream_model) {}

  result<void> add(const json::object& m, std::size_t i, bool leading_system, json::array& system_parts);
  // Closes the conversation: unanswered calls of the last model turn are answered only if some were.
  void finish() { flush(false); }
  std::vector<turn>& turns() { return turns_; }

 private:
  result<void> add_assistant(const json::object& m, const std::string& param);
  result<void> add_tool_result(std::string_view id, std::string_view fn_name, const json::value& content,
                               const std::string& param);
  void flush(bool more_follows);
  void push(turn t) { turns_.push_back(std::move(t)); }

  function_name_map& names_;
  std::string upstream_model_;
  std::vector<turn> turns_;
  std::vector<call_slot> pending_;                           // calls of the last model turn awaiting results
  std::vector<std::pair<std::string, std::string>> closed_;  // (client id, name) of calls of earlier turns
};

result<void> conversation::add(const json::object& m, std::size_t i, bool leading_system, json::array& system_parts) {
  const std::string param = idx("messages", i);
  const json::value* rv = field(m, "role");
  if (!rv || !rv->is_string()) return bad("each message needs a role", param + ".role");
  const std::string_view role = rv->get_string();
  const json::value* content = m.if_contains("content");
  const json::value none;
  if (!content) content = &none;
  if (role == "tool") {
    const json::value* id = field(m, "tool_call_id");
    if (!id || !id->is_string()) return bad("tool messages need a tool_call_id", param + ".tool_call_id");
    return add_tool_result(id->get_string(), {}, *content, param);
  }
  if (role == "function") {  // deprecated: answers the function_call of the previous assistant message by name
    const json::value* name = field(m, "name");
    if (!name || !name->is_string()) return bad("function messages need a name", param + ".name");
    return add_tool_result({}, name->get_string(), *content, param);
  }
  flush(true);
  if (role == "system" || role == "developer") {
    auto texts = text_pieces(*content, param + ".content");
    if (!texts) return std::move(texts).err();
    if (leading_system) {
      for (auto& t : *texts) system_parts.push_back(text_part(t));
    } else {
      turn t{"user", {}, false};
      for (auto& s : *texts) t.parts.push_back(text_part(s));
      push(std::move(t));
    }
    return {};
  }
  if (role == "user") {
    turn t{"user", {}, false};
    if (auto r = append_content(*content, t.parts, param + ".content"); !r) return r;
    push(std::move(t));
    return {};
  }
  if (role == "assistant") return add_assistant(m, param);
  return bad(
      "unknown role \"" + std::string(role.substr(0, 40)) + "\"; expected system, developer, user, assistant or tool",
      param + ".role");
}

// The signature that goes back on a replayed call (chat.hpp, "Thought signatures").
std::string replay_signature(const decoded_tool_call_id& d, const json::object& call) {
  if (d.tagged) return d.signature;  // ours: empty when another model minted it
  if (!d.signature.empty()) return d.signature;
  for (const json::object* o : {&call, field(call, "function") ? field(call, "function")->if_object() : nullptr}) {
    if (!o) continue;
    if (const json::value* ec = field(*o, "extra_content"); ec && ec->is_object()) {
      if (const json::value* g = field(ec->get_object(), "google"); g && g->is_object()) {
        if (const json::value* s = field(g->get_object(), "thought_signature"); s && s->is_string())
          return std::string(s->get_string());
      }
    }
    if (const json::value* s = field(*o, "thought_signature"); s && s->is_string()) return std::string(s->get_string());
  }
  return {};
}

result<void> conversation::add_assistant(const json::object& m, const std::string& param) {
  turn t{"model", {}, false};
  const json::value* content = m.if_contains("content");
  if (content) {
    auto texts = text_pieces(*content, param + ".content");
    if (!texts) return std::move(texts).err();
    for (auto& s : *texts) t.parts.push_back(text_part(s));
  }
  // reasoning_content echoed back is dropped: unsigned thought text is worth nothing upstream (§1.1).
  std::vector<std::pair<const json::object*, std::string>> calls;  // (call, param)
  if (const json::value* tc = field(m, "tool_calls")) {
    const json::array* a = tc->if_array();
    if (!a) return bad("tool_calls must be an array", param + ".tool_calls");
    for (std::size_t j = 0; j < a->size(); ++j) {
      const json::object* c = (*a)[j].if_object();
      if (!c) return bad("each tool call must be an object", idx(param + ".tool_calls", j));
      calls.emplace_back(c, idx(param + ".tool_calls", j));
    }
  }
  json::object legacy;
  if (const json::value* fc = field(m, "function_call"); fc && fc->is_object() && calls.empty()) {
    legacy["function"] = fc->get_object();
    calls.emplace_back(&legacy, param + ".function_call");
  }
  for (const auto& [c, cparam] : calls) {
    const json::object* fn = c == &legacy ? &legacy["function"].get_object()
                                          : (field(*c, "function") ? field(*c, "function")->if_object() : nullptr);
    if (!fn) return bad("tool calls need a function object", cparam + ".function");
    const json::value* name = field(*fn, "name");
    if (!name || !name->is_string() || name->get_string().empty())
      return bad("tool calls need a function name", cparam + ".function.name");
    json::object args;
    if (const json::value* av = field(*fn, "arguments")) {
      if (av->is_object()) {
        args = av->get_object();
      } else if (av->is_string()) {
        const std::string_view text = av->get_string();
        if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
          boost::system::error_code ec;
          json::value parsed = json::parse(text, ec);
          if (ec || !parsed.is_object())
            return bad("function.arguments must be a JSON object encoded as a string", cparam + ".function.arguments");
          args = std::move(parsed.get_object());
        }
      } else {
        return bad("function.arguments must be a JSON object encoded as a string", cparam + ".function.arguments");
      }
    }
    std::string client_id;
    if (const json::value* id = field(*c, "id"); id && id->is_string()) client_id = std::string(id->get_string());
    const decoded_tool_call_id d = decode_tool_call_id(client_id, upstream_model_);
    const std::string upstream_name = names_.add(name->get_string());
    json::object call{{"name", upstream_name}, {"args", std::move(args)}};
    const std::string send_id = !d.base.empty() && !is_minted_tool_call_id(d.base) ? d.base : std::string();
    if (!send_id.empty()) call["id"] = send_id;
    json::object part{{"functionCall", std::move(call)}};
    if (std::string sig = replay_signature(d, *c); !sig.empty()) part["thoughtSignature"] = std::move(sig);
    t.parts.push_back(std::move(part));
    t.calls = true;
    pending_.push_back(call_slot{client_id, upstream_name, send_id, std::nullopt, {}});
  }
  push(std::move(t));
  return {};
}

result<void> conversation::add_tool_result(std::string_view id, std::string_view fn_name, const json::value& content,
                                           const std::string& param) {
  call_slot* slot = nullptr;
  for (auto& s : pending_) {
    if (s.response) continue;
    if (!id.empty() ? s.client_id == id : names_.to_client(s.name) == fn_name) {
      slot = &s;
      break;
    }
  }
  // Text (joined) and any media the result carries.
  std::string output;
  json::array media;
  if (content.is_string()) {
    output = std::string(content.get_string());
  } else if (const json::array* a = content.if_array()) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      auto p = content_part((*a)[i], idx(param + ".content", i));
      if (!p) return std::move(p).err();
      if (!*p) continue;
      if (const json::value* t = (*p)->if_contains("text")) {
        if (!output.empty()) output += '\n';
        output += t->get_string();
      } else {
        media.push_back(std::move(**p));
      }
    }
  } else if (!content.is_null()) {
    output = json::serialize(content);
  }
  if (!slot) {
    const bool answered = std::any_of(pending_.begin(), pending_.end(), [&](const call_slot& s) {
      return !id.empty() ? s.client_id == id : names_.to_client(s.name) == fn_name;
    });
    const auto earlier = std::find_if(closed_.begin(), closed_.end(), [&](const auto& c) {
      return !id.empty() ? c.first == id : names_.to_client(c.second) == fn_name;
    });
    if (answered) return {};  // a second result for the same call: the first one stands
    if (earlier == closed_.end()) {
      if (!id.empty())
        return bad("tool_call_id \"" + std::string(id.substr(0, 64)) + "\" does not match any earlier tool call",
                   param + ".tool_call_id");
      return bad("function message \"" + std::string(fn_name.substr(0, 64)) + "\" answers no earlier function_call",
                 param + ".name");
    }
    // The result of a call whose turn is already closed (a message came in between): its slot was answered
    // for Gemini's count rule; the real result still reaches the model, as text.
    turn t{"user", {}, false};
    t.parts.push_back(
        text_part("Result of tool call " + std::string(names_.to_client(earlier->second)) + ":\n" + output));
    for (auto& p : media) t.parts.push_back(std::move(p));
    push(std::move(t));
    return {};
  }
  json::object response{{"output", std::move(output)}};
  slot->response = std::move(response);
  slot->extra = std::move(media);
  return {};
}

// Emits the user turn answering the last model turn's calls, one functionResponse per call in call order.
// Gemini wants exactly as many responses as calls, so when more messages follow a call left unanswered gets
// an error response; at the end of the conversation unanswered calls stay open only when none was answered.
void conversation::flush(bool more_follows) {
  if (pending_.empty()) return;
  const bool any =
      std::any_of(pending_.begin(), pending_.end(), [](const call_slot& s) { return s.response.has_value(); });
  if (any || more_follows) {
    turn t{"user", {}, false};
    json::array extra;
    for (auto& s : pending_) {
      json::object fr{{"name", s.name}};
      if (!s.send_id.empty()) fr["id"] = s.send_id;
      fr["response"] =
          s.response ? std::move(*s.response) : json::object{{"error", "No result was provided for this tool call."}};
      t.parts.push_back(json::object{{"functionResponse", std::move(fr)}});
      for (auto& p : s.extra) extra.push_back(std::move(p));
    }
    for (auto& p : extra) t.parts.push_back(std::move(p));
    push(std::move(t));
  }
  for (auto& s : pending_) closed_.emplace_back(s.client_id, s.name);
  pending_.clear();
}

// Adjacent turns of one role become one (Code Assist wants alternation around function calls, §7.4); two model
// turns that both call functions stay apart (each is a step with its own signature).
json::array merge_turns(std::vector<turn>& turns) {
  std::vector<turn> merged;
  for (auto& t : turns) {
    if (t.parts.empty()) continue;
    if (!merged.empty() && merged.back().role == t.role && !(merged.back().calls && t.calls)) {
      for (auto& p : t.parts) merged.back().parts.push_back(std::move(p));
      merged.back().calls = merged.back().calls || t.calls;
      continue;
    }
    merged.push_back(std::move(t));
  }
  json::array contents;
  for (auto& t : merged) contents.push_back(json::object{{"role", t.role}, {"parts", std::move(t.parts)}});
  return contents;
}

// ---- thinking -----------------------------------------------------------------------------------------------









struct thinking_request {
  std::optional<std::int64_t> budget;
  std::optional<std::string> level;
  std::optional<bool> show;
};

result<void> read_reasoning_effort(const json::value& v, models::thinking_family fam, std::string_view upstream,
                                   thinking_request& out) {
  if (!v.is_string()) return bad("reasoning_effort must be a string", "reasoning_effort");
  const std::string e = lower(v.get_string());
  static constexpr std::string_view efforts[] = {"none", "minimal", "low", "medium", "high", "xhigh"};
  const auto it = std::find(std::begin(efforts), std::end(efforts), e);
  if (it == std::end(efforts))
    return bad("reasoning_effort must be one of none, minimal, low, medium, high, xhigh", "reasoning_effort");
  out.show = e != "none";
  const models::budget_range r = models::budget_range_for(upstream);
  const unsigned allowed = models::allowed_levels(upstream);
  if (fam == models::thinking_family::budget) {
    if (e == "none")
      out.budget = models::fit_budget(0, r);
    else if (e == "minimal" || e == "low")
      out.budget = models::fit_budget(1024, r);
    else if (e == "medium")
      out.budget = models::fit_budget(8192, r);
    else if (e == "high")
      out.budget = models::fit_budget(24576, r);
    else
      out.budget = r.max;
  } else if (fam == models::thinking_family::level) {
    int want = 3;
    if (e == "none") {
      want = 0;  // Gemini 3 cannot stop thinking: the lowest level it allows
    } else if (e == "minimal") {
      want = 0;
    } else if (e == "low") {
      want = 1;
    } else if (e == "medium") {
      want = 2;
    }
    out.level = models::level_name(want, allowed);
  }
  return {};
}

// Google's own OpenAI-compatibility extension: extra_body.google.thinking_config (Python's extra_body nests it
// one level deeper than the HTTP body, so both spellings arrive).
void read_google_thinking(const json::object& body, models::thinking_family fam, std::string_view upstream,
                          thinking_request& out) {
  const json::object* google = nullptr;
  if (const json::value* eb = field(body, "extra_body"); eb && eb->is_object()) {
    if (const json::value* g = field(eb->get_object(), "google"); g && g->is_object()) google = &g->get_object();
  }
  if (!google) {
    if (const json::value* g = field(body, "google"); g && g->is_object()) google = &g->get_object();
  }
  if (!google) return;
  const json::value* tc = field(*google, "thinking_config");
  if (!tc || !tc->is_object()) return;
  const json::object& c = tc->get_object();
  if (const json::value* it = field(c, "include_thoughts"); it && it->is_bool()) out.show = it->get_bool();
  if (const json::value* b = field(c, "thinking_budget"); b && fam == models::thinking_family::budget) {
    if (auto n = integer_of(*b)) {
      out.budget = models::fit_budget(*n, models::budget_range_for(upstream));
      out.level.reset();
    }
  }
  if (const json::value* l = field(c, "thinking_level"); l && l->is_string() && fam == models::thinking_family::level) {
    const std::string want = lower(l->get_string());
    for (int i = 0; i < 4; ++i) {
      if (want == lower(models::level_names[i])) {
        out.level = models::level_name(i, models::allowed_levels(upstream));
        out.budget.reset();
      }
    }
  }
}

// ---- tools --------------------------------------------------------------------------------------------------

struct tools_out {
  json::array declarations;
  json::array builtins;  // {"googleSearch":{}} ... each its own Tool object
};

void add_builtin(tools_out& t, std::string_view name) {
  for (const auto& b : t.builtins)
    if (b.get_object().contains(name)) return;
  t.builtins.push_back(json::object{{name, json::object()}});
}

result<void> read_function(const json::object& fn, const std::string& param, bool openapi, function_name_map& names,
                           tools_out& out) {
  const json::value* name = field(fn, "name");
  if (!name || !name->is_string() || name->get_string().empty())
    return bad("each function tool needs a name", param + ".name");
  const std::string_view n = name->get_string();
  if (n == "codeExecution" || n == "googleSearch" || n == "urlContext") {
    add_builtin(out, n);
    return {};
  }
  const std::size_t before = names.entries().size();
  const std::string upstream = names.add(n);
  if (names.entries().size() == before) return {};  // the same tool twice: Gemini rejects duplicate declarations
  json::object decl{{"name", upstream}};
  if (const json::value* d = field(fn, "description"); d && d->is_string() && !d->get_string().empty())
    decl["description"] = d->get_string();
  if (const json::value* p = field(fn, "parameters")) {
    if (openapi) {
      json::object s = clean_schema_openapi(*p);
      if (s.contains("properties")) decl["parameters"] = std::move(s);  // a no-argument tool declares none
    } else {
      decl["parametersJsonSchema"] = clean_schema(*p);
    }
  }
  out.declarations.push_back(std::move(decl));
  return {};
}

result<tools_out> read_tools(const json::object& body, bool openapi, function_name_map& names) {
  tools_out out;
  if (const json::value* tv = field(body, "tools")) {
    const json::array* a = tv->if_array();
    if (!a) return bad("tools must be an array", "tools");
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string param = idx("tools", i);
      const json::object* t = (*a)[i].if_object();
      if (!t) return bad("each tool must be an object", param);
      const json::value* type = field(*t, "type");
      const std::string_view ty = type && type->is_string() ? std::string_view(type->get_string()) : "function";
      if (ty == "function") {
        const json::value* fn = field(*t, "function");
        if (!fn || !fn->is_object()) return bad("function tools need a function object", param + ".function");
        if (auto r = read_function(fn->get_object(), param + ".function", openapi, names, out); !r)
          return std::move(r).err();
      } else if (ty.starts_with("web_search")) {
        add_builtin(out, "googleSearch");
      }
      // other tool types (custom, ...) have no Gemini equivalent: ignored
    }
  }
  if (const json::value* fv = field(body, "functions"); fv && fv->is_array()) {  // deprecated spelling
    const json::array& a = fv->get_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_object()) return bad("each function must be an object", idx("functions", i));
      if (auto r = read_function(a[i].get_object(), idx("functions", i), openapi, names, out); !r)
        return std::move(r).err();
    }
  }
  return out;
}

result<std::optional<json::object>> read_tool_choice(const json::object& body, function_name_map& names) {
  const json::value* tc = field(body, "tool_choice");
  std::string param = "tool_choice";
  if (!tc) {
    tc = field(body, "function_call");
    param = "function_call";
  }
  if (!tc) return std::optional<json::object>();
  json::object cfg;
  auto declared = [&](std::string_view name) {
    const auto& e = names.entries();
    return std::any_of(e.begin(), e.end(), [&](const auto& p) { return p.first == name; });
  };
  bool builtin = false;
  auto named = [&](const json::value* fn) -> result<void> {
    const json::value* n = fn && fn->is_object() ? field(fn->get_object(), "name") : nullptr;
    if (!n || !n->is_string()) return bad(param + " must name a function", param);
    const std::string_view name = n->get_string();
    if (name == "codeExecution" || name == "googleSearch" || name == "urlContext") {
      builtin = true;  // a built-in tool cannot be forced; the model decides, as with "auto"
      return {};
    }
    if (!declared(name))
      return bad(
          param + " names the function \"" + std::string(name.substr(0, 64)) + "\", which is not among the tools",
          param);
    cfg["mode"] = "ANY";
    cfg["allowedFunctionNames"] = json::array{json::value(names.to_upstream(name))};
    return {};
  };
  if (tc->is_string()) {
    const std::string_view s = tc->get_string();
    if (s == "none")
      cfg["mode"] = "NONE";
    else if (s == "auto")
      cfg["mode"] = "AUTO";
    else if (s == "required" || s == "any")
      cfg["mode"] = "ANY";
    else
      return bad(param + " must be none, auto, required or a named function", param);
  } else if (const json::object* o = tc->if_object()) {
    const json::value* type = field(*o, "type");
    if (param == "function_call") {
      if (auto r = named(tc); !r) return std::move(r).err();
    } else if (type && type->is_string() && type->get_string() == "allowed_tools") {
      const json::value* at = field(*o, "allowed_tools");
      const json::object* ao = at ? at->if_object() : nullptr;
      const json::value* mode = ao ? field(*ao, "mode") : nullptr;
      if (mode && mode->is_string() && mode->get_string() == "required") {
        cfg["mode"] = "ANY";
        json::array allowed;
        if (const json::value* tl = field(*ao, "tools"); tl && tl->is_array()) {
          for (const auto& t : tl->get_array()) {
            const json::value* fn = t.is_object() ? field(t.get_object(), "function") : nullptr;
            const json::value* n = fn && fn->is_object() ? field(fn->get_object(), "name") : nullptr;
            if (n && n->is_string() && declared(n->get_string()))
              allowed.push_back(json::value(names.to_upstream(n->get_string())));
          }
        }
        if (!allowed.empty()) cfg["allowedFunctionNames"] = std::move(allowed);
      } else {
        cfg["mode"] = "AUTO";
      }
    } else {
      if (auto r = named(field(*o, "function")); !r) return std::move(r).err();
    }
  } else {
    return bad(param + " must be a string or an object", param);
  }
  if (builtin) return std::optional<json::object>();
  return std::optional<json::object>(json::object{{"functionCallingConfig", std::move(cfg)}});
}

// ---- generation config --------------------------------------------------------------------------------------

result<void> read_generation(const json::object& body, const models::model_info* info, json::object& gen) {
  auto num = [&](std::string_view key, std::string_view to) -> result<void> {
    const json::value* v = field(body, key);
    if (!v) return {};
    auto n = number_of(*v);
    if (!n) return bad(std::string(key) + " must be a number", std::string(key));
    gen[to] = *n;
    return {};
  };
  if (auto r = num("temperature", "temperature"); !r) return r;
  if (auto r = num("top_p", "topP"); !r) return r;
  for (std::string_view key : {"presence_penalty", "frequency_penalty"}) {
    if (const json::value* v = field(body, key)) {
      auto n = number_of(*v);
      if (!n) return bad(std::string(key) + " must be a number", std::string(key));
      if (*n != 0) gen[key == "presence_penalty" ? "presencePenalty" : "frequencyPenalty"] = *n;
    }
  }
  if (const json::value* v = field(body, "top_k")) {
    auto n = integer_of(*v);
    if (!n || *n < 1) return bad("top_k must be a positive integer", "top_k");
    gen["topK"] = *n;
  }
  for (std::string_view key : {"max_completion_tokens", "max_tokens"}) {
    const json::value* v = field(body, key);
    if (!v) continue;
    auto n = integer_of(*v);
    if (!n || *n < 1) return bad(std::string(key) + " must be a positive integer", std::string(key));
    std::int64_t tokens = *n;
    if (info && info->output_token_limit > 0) tokens = std::min(tokens, info->output_token_limit);
    gen["maxOutputTokens"] = tokens;
    break;  // max_completion_tokens wins when both are given
  }
  if (const json::value* v = field(body, "stop")) {
    json::array stops;
    if (v->is_string()) {
      if (!v->get_string().empty()) stops.push_back(*v);
    } else if (const json::array* a = v->if_array()) {
      for (const auto& s : *a) {
        if (!s.is_string()) return bad("stop must be a string or an array of strings", "stop");
        if (!s.get_string().empty()) stops.push_back(s);
      }
    } else {
      return bad("stop must be a string or an array of strings", "stop");
    }
    if (stops.size() > 5) return bad("at most 5 stop sequences are supported", "stop");
    if (!stops.empty()) gen["stopSequences"] = std::move(stops);
  }
  if (const json::value* v = field(body, "n")) {
    auto n = integer_of(*v);
    if (!n || *n < 1 || *n > 8) return bad("n must be an integer from 1 to 8", "n");
    if (*n > 1) gen["candidateCount"] = *n;
  }
  if (const json::value* v = field(body, "seed")) {
    auto n = integer_of(*v);
    if (!n) return bad("seed must be an integer", "seed");
    gen["seed"] = *n;
  }
  if (const json::value* v = field(body, "response_format")) {
    const json::object* rf = v->if_object();
    const json::value* type = rf ? field(*rf, "type") : nullptr;
    if (!type || !type->is_string()) return bad("response_format needs a type", "response_format");
    const std::string_view t = type->get_string();
    if (t == "json_object") {
      gen["responseMimeType"] = "application/json";
    } else if (t == "json_schema") {
      gen["responseMimeType"] = "application/json";
      const json::value* js = field(*rf, "json_schema");
      const json::value* schema = js && js->is_object() ? field(js->get_object(), "schema") : nullptr;
      if (schema) gen["responseJsonSchema"] = clean_schema(*schema, schema_root::any);
    } else if (t != "text") {
      return bad("response_format.type must be text, json_object or json_schema", "response_format.type");
    }
  }
  if (const json::value* v = field(body, "modalities"); v && v->is_array()) {
    json::array mods;
    bool image = false;
    for (const auto& m : v->get_array()) {
      if (m == "text") mods.push_back("TEXT");
      if (m == "image") {
        mods.push_back("IMAGE");
        image = true;
      }
    }
    if (image) gen["responseModalities"] = std::move(mods);
  }
  return {};
}

}  // namespace

result<translated> to_gemini(json::value body_v, const models::catalog& cat, const request_env& env) {
  json::object* bp = body_v.if_object();
  if (!bp) return bad("the request body must be a JSON object", "");
  const json::object& body = *bp;

  const json::value* model = field(body, "model");
  if (!model || !model->is_string() || model->get_string().empty())
    return bad("you must provide a model parameter", "model");
  translated out;
  out.spec = models::parse(model->get_string(), cat);
  const models::model_info* info = cat.find(out.spec.base);
  const std::string& upstream = out.spec.upstream;

  const json::value* mv = field(body, "messages");
  if (!mv || !mv->is_array() || mv->get_array().empty()) return bad("messages must be a non-empty array", "messages");
  const json::array& messages = mv->get_array();

  if (const json::value* s = field(body, "stream"); s && s->is_bool()) out.stream = s->get_bool();
  bool include_usage = false;
  if (const json::value* so = field(body, "stream_options"); so && so->is_object()) {
    if (const json::value* iu = field(so->get_object(), "include_usage"); iu && iu->is_bool())
      include_usage = iu->get_bool();
  }

  function_name_map names;
  auto tools = read_tools(body, env.openapi_parameters, names);
  if (!tools) return std::move(tools).err();
  auto tool_choice = read_tool_choice(body, names);
  if (!tool_choice) return std::move(tool_choice).err();

  // Messages: the leading run of system/developer messages is the system instruction.
  std::size_t leading = 0;
  while (leading < messages.size()) {
    const json::object* m = messages[leading].if_object();
    const json::value* r = m ? field(*m, "role") : nullptr;
    if (!r || !(*r == "system" || *r == "developer")) break;
    ++leading;
  }
  const bool only_system = leading == messages.size();
  json::array system_parts;
  conversation conv(names, upstream);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const json::object* m = messages[i].if_object();
    if (!m) return bad("each message must be an object", idx("messages", i));
    if (auto r = conv.add(*m, i, i < leading && !only_system, system_parts); !r) return std::move(r).err();
  }
  conv.finish();
  json::array contents = merge_turns(conv.turns());
  if (contents.empty()) return bad("messages have no content to send", "messages");

  json::object& req = out.request;
  req["contents"] = std::move(contents);
  if (!system_parts.empty())
    req["systemInstruction"] = json::object{{"role", "user"}, {"parts", std::move(system_parts)}};
  json::array tool_list;
  if (!tools->declarations.empty())
    tool_list.push_back(json::object{{"functionDeclarations", std::move(tools->declarations)}});
  for (auto& b : tools->builtins) tool_list.push_back(std::move(b));
  const bool has_functions = !tool_list.empty() && tool_list.front().get_object().contains("functionDeclarations");
  if (!tool_list.empty()) req["tools"] = std::move(tool_list);
  if (*tool_choice && has_functions) req["toolConfig"] = std::move(**tool_choice);

  json::object gen;
  if (auto r = read_generation(body, info, gen); !r) return std::move(r).err();

  const models::thinking_family fam = models::thinking_family_of(info, upstream);
  thinking_request think;
  if (const json::value* re = field(body, "reasoning_effort")) {
    if (auto r = read_reasoning_effort(*re, fam, upstream, think); !r) return std::move(r).err();
  }
  if (const json::value* ir = field(body, "include_reasoning"); ir && ir->is_bool()) think.show = ir->get_bool();
  read_google_thinking(body, fam, upstream, think);
  const bool show = out.spec.include_thoughts.value_or(think.show.value_or(false));
  if (fam != models::thinking_family::none && (think.budget || think.level || show)) {
    json::object tc;
    if (show) tc["includeThoughts"] = true;
    if (think.budget)
      tc["thinkingBudget"] = *think.budget;
    else if (think.level)
      tc["thinkingLevel"] = *think.level;
    gen["thinkingConfig"] = std::move(tc);
  }
  if (!gen.empty()) req["generationConfig"] = std::move(gen);

  response_context& ctx = out.ctx;
  ctx.model = out.spec.requested;
  ctx.upstream_model = upstream;
  ctx.id = "chatcmpl-" + env.id;
  ctx.id_seed = env.id;
  ctx.created = env.now_s;
  ctx.stream = out.stream;
  ctx.include_usage = out.stream && include_usage;
  ctx.show_reasoning = show;
  if (const json::value* n = field(body, "n")) ctx.n = static_cast<int>(integer_of(*n).value_or(1));
  for (const auto& [client, up] : names.entries())
    if (client != up) ctx.tool_names.emplace(up, client);
  return out;
}

}  // namespace gw::translate::openai
