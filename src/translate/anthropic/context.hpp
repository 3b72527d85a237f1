// What the Anthropic response side needs to know about the request it answers.
#pragma once
#include <string>

#include "translate/common/schema.hpp"

namespace gw::translate::anthropic {

struct response_context {
  std::string model;             // the model name the client asked for; the response reports it
  std::string upstream_model;    // spec.upstream: tags the signatures handed to the client
  std::string message_id;        // "msg_<id>"
  std::string tool_id_prefix;    // "toolu_<id>_": tool_use ids Gemini did not give are this + ordinal
  function_name_map tool_names;  // client tool names <-> Gemini function names (to_client on the way back)
  bool stream = false;
};

}  // namespace gw::translate::anthropic
