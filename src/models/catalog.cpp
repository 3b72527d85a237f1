// The configured model list: built-in defaults and the operator's JSON config.
#include "models/catalog.hpp"

#include <boost/json.hpp>

#include "models/model_name.hpp"

namespace gw::models {
namespace {

model_info entry(std::string id, std::string display, std::int64_t output_limit = 65536, bool thinking = true,
                 std::string upstream = {}) {
  model_info m;
  m.upstream_id = upstream.empty() ? id : std::move(upstream);
  m.id = std::move(id);
  m.display_name = std::move(display);
  m.output_token_limit = output_limit;
  m.thinking = thinking;
  return m;
}

// What an id not in defaults() is assumed to accept: only the two thinking families are known.
bool thinking_by_name(std::string_view id) {
  return id.starts_with("gemini-2.5") || is_gemini3(id);
}

model_info info_for_new_id(const catalog& known, const std::string& id) {
  if (const model_info* k = known.find(id)) return *k;
  model_info m;
  m.id = id;
  m.display_name = id;
  m.upstream_id = id;
  m.thinking = thinking_by_name(id);
  return m;
}

error config_error(std::string what) {
  return internal_error("invalid models config: " + std::move(what));
}

bool valid_id(std::string_view id) {
  if (id.empty()) return false;
  for (char ch : id) {
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f) return false;
  }
  return true;
}

result<std::int64_t> positive_int(const boost::json::value& v, std::string_view key, std::size_t index) {
  if (v.is_int64() && v.get_int64() > 0) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() > 0 && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  return config_error("models[" + std::to_string(index) + "]." + std::string(key) + " must be a positive integer");
}

result<model_info> entry_from_json(const catalog& known, const boost::json::value& v, std::size_t index) {
  const std::string where = "models[" + std::to_string(index) + "]";
  if (v.is_string()) {
    std::string id(v.get_string());
    if (!valid_id(id)) return config_error(where + " is not a valid model id");
    return info_for_new_id(known, id);
  }
  if (!v.is_object()) return config_error(where + " must be a model id string or an object");
  const auto& o = v.get_object();
  const auto* id_v = o.if_contains("id");
  if (!id_v || !id_v->is_string() || !valid_id(id_v->get_string())) {
    return config_error(where + ".id must be a non-empty model id string without spaces");
  }
  model_info m = info_for_new_id(known, std::string(id_v->get_string()));
  for (const auto& kv : o) {
    const std::string_view key = kv.key();
    const auto& val = kv.value();
    if (key == "id") continue;
    if (key == "upstream_id" || key == "display_name") {
      if (!val.is_string() || val.get_string().empty()) return config_error(where + "." + std::string(key) + " must be a non-empty string");
      if (key == "upstream_id") {
        if (!valid_id(val.get_string())) return config_error(where + ".upstream_id is not a valid model id");
        m.upstream_id = std::string(val.get_string());
      } else {
        m.display_name = std::string(val.get_string());
      }
    } else if (key == "input_token_limit" || key == "output_token_limit") {
      auto n = positive_int(val, key, index);
      if (!n) return std::move(n).err();
      (key == "input_token_limit" ? m.input_token_limit : m.output_token_limit) = *n;
    } else if (key == "thinking") {
      if (!val.is_bool()) return config_error(where + ".thinking must be true or false");
      m.thinking = val.get_bool();
    } else {
      return config_error(where + " has unknown key \"" + std::string(key) +
                          "\" (known: id, upstream_id, display_name, input_token_limit, output_token_limit, thinking)");
    }
  }
  return m;
}

}  // namespace

catalog catalog::defaults() {
  std::vector<model_info> m;
  m.push_back(entry("gemini-2.0-flash", "Gemini 2.0 Flash", 8192, /*thinking=*/false));
  m.push_back(entry("gemini-2.5-flash", "Gemini 2.5 Flash"));
  m.push_back(entry("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite"));
  m.push_back(entry("gemini-2.5-pro", "Gemini 2.5 Pro"));
  m.push_back(entry("gemini-3-flash-preview", "Gemini 3 Flash Preview"));
  m.push_back(entry("gemini-3-pro-preview", "Gemini 3 Pro Preview"));
  m.push_back(entry("gemini-3.1-pro-preview", "Gemini 3.1 Pro Preview"));
  m.push_back(entry("gemini-3.1-flash-lite", "Gemini 3.1 Flash-Lite"));
  // gemini-cli sends 3.5 Flash to Code Assist under its backend name (upstream-code-assist.md §8.1, §12.7).
  m.push_back(entry("gemini-3.5-flash", "Gemini 3.5 Flash", 65536, true, "gemini-3-flash"));
  // The newest GA models gemini-cli 0.61 sends (to Code Assist too, for accounts with access):
  // its LATEST_GEMINI_FLASH_MODEL and LATEST_GEMINI_FLASH_LITE_MODEL, passed through unchanged.
  m.push_back(entry("gemini-3.8-flash", "Gemini 3.8 Flash"));
  m.push_back(entry("gemini-3.5-flash-lite", "Gemini 3.5 Flash-Lite"));
  // `_vertex` ids are Code Assist ids of their own (§8.5): passed through unchanged.
  for (const char* base : {"gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro",
                           "gemini-3-flash-preview", "gemini-3-pro-preview"}) {
    model_info twin;
    for (const auto& b : m) {
      if (b.id == base) twin = b;
    }
    twin.id += "_vertex";
    twin.upstream_id = twin.id;
    twin.display_name += " (Vertex)";
    m.push_back(std::move(twin));
  }
  return catalog(std::move(m));
}

result<catalog> catalog::from_json(const boost::json::value& v) {
  if (!v.is_array()) return config_error("expected an array of model ids or objects");
  const auto& arr = v.get_array();
  if (arr.empty()) return config_error("the model list is empty");
  const catalog known = defaults();
  std::vector<model_info> models;
  models.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto m = entry_from_json(known, arr[i], i);
    if (!m) return std::move(m).err();
    for (const auto& prev : models) {
      if (prev.id == m->id) return config_error("model \"" + m->id + "\" is listed twice");
    }
    models.push_back(std::move(*m));
  }
  return catalog(std::move(models));
}

const model_info* catalog::find(std::string_view id) const noexcept {
  for (const auto& m : models_) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

std::string catalog::upstream_id_for(std::string_view id) const {
  if (const model_info* m = find(id)) return m->upstream_id;
  return std::string(id);
}

}  // namespace gw::models
