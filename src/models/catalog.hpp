// The configured model list: what /models shows, display data, and the id each model is sent upstream as.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "core/result.hpp"

namespace gw::models {

struct model_info {
  std::string id;            // what clients write (and /models lists)
  std::string display_name;
  std::string upstream_id;   // id sent to Code Assist
  std::int64_t input_token_limit = 1048576;
  std::int64_t output_token_limit = 65536;
  bool thinking = true;      // accepts generationConfig.thinkingConfig
};

class catalog {
 public:
  catalog() = default;
  explicit catalog(std::vector<model_info> models) : models_(std::move(models)) {}

  // The models gemini-cli and the Code Assist backend are known to serve (upstream-code-assist.md §8),
  // plus the `_vertex` twins that retrieveUserQuota lists (§8.5).
  static catalog defaults();
  // Operator config: an array whose entries are either an id string or an object
  // {id, upstream_id?, display_name?, input_token_limit?, output_token_limit?, thinking?}.
  // An id that defaults() knows inherits its mapping and limits (so ["gemini-3.5-flash"] still
  // goes upstream as gemini-3-flash); fields given in an object override them. Unknown keys,
  // wrong types, empty or duplicate ids are errors, so a typo in the config is caught at startup.
  static result<catalog> from_json(const boost::json::value& v);

  const std::vector<model_info>& models() const noexcept { return models_; }
  const model_info* find(std::string_view id) const noexcept;
  // The mapped id when the model is listed, else the id itself: models Google adds work unlisted.
  std::string upstream_id_for(std::string_view id) const;

 private:
  std::vector<model_info> models_;
};

}  // namespace gw::models
