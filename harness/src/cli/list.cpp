// `weft list`: the scenario catalog with families and declared verdicts.
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "untrusted.hpp"
#include "weft/scenario.hpp"

namespace weft::cli {

void add_list_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("list", "List the scenario catalog: families, parameters and expected verdicts");
  struct Args {
    bool json = false;
    std::string family;
  };
  auto args = std::make_shared<Args>();
  cmd->add_flag("--json", args->json, "Print the catalog as JSON");
  cmd->add_option("--family", args->family, "Only this family");
  cmd->callback([args, &exit_code] {
    const bool* json = &args->json;
    const std::string* family = &args->family;
    if (!family->empty()) {
      bool known = false;
      for (const Scenario* s : scenarios()) known = known || s->family() == *family;
      if (!known) throw InputError(fmt::format("unknown family {} (see 'weft list')", quote_untrusted(*family)));
    }
    nlohmann::json all = nlohmann::json::array();
    std::string text;
    std::string_view current_family;
    for (const Scenario* s : scenarios()) {
      if (!family->empty() && s->family() != *family) continue;
      if (*json) {
        nlohmann::json params = nlohmann::json::array();
        for (const ParamSpec& p : s->params) {
          params.push_back({{"name", p.name}, {"default", p.default_value}, {"min", p.min}, {"max", p.max},
                            {"help", p.help}});
        }
        nlohmann::json expect;
        for (Engine e : {Engine::kModel, Engine::kNative, Engine::kRelacy}) {
          const Expectation& x = e == Engine::kModel ? s->model : e == Engine::kNative ? s->native : s->relacy;
          nlohmann::json kinds = nlohmann::json::array();
          for (FindingKind k : x.kinds) kinds.push_back(kind_name(k));
          expect[std::string(engine_name(e))] = {
              {"kinds", kinds},
              {"skip_reason", x.skip_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(x.skip_reason)}};
        }
        all.push_back({{"name", s->name},
                       {"family", s->family()},
                       {"description", s->description},
                       {"params", params},
                       {"expected", expect},
                       {"dfs_executions", s->dfs_executions}});
        continue;
      }
      if (s->family() != current_family) {
        current_family = s->family();
        text += fmt::format("{}{}\n", text.empty() ? "" : "\n", current_family);
      }
      std::string params;
      for (const ParamSpec& p : s->params) params += fmt::format(" {}={}", p.name, p.default_value);
      text += fmt::format("  {:<42} model: {:<24} {}\n", s->name, expectation_text(s->model), s->description);
      if (!params.empty()) text += fmt::format("  {:<42} params:{}\n", "", params);
    }
    std::cout << (*json ? all.dump(2) + "\n" : text);
    exit_code = kExitClean;
  });
}

}  // namespace weft::cli
