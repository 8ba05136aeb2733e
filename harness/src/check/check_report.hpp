// Rendering `weft check` results: the verdict table, JSON and JUnit XML.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "check/check.hpp"

namespace weft::check {

// Table header line(s) and one scenario's rows (one row per engine), fixed-width columns so
// rows can be printed as scenarios finish.
std::string table_header();
std::string table_rows(const ScenarioCheck& check);
// After the table: mismatch details (finding, replay or rerun command), correlation lines and
// the summary line "summary: N match, M mismatch, K skipped".
std::string table_footer(const std::vector<ScenarioCheck>& checks, double seconds);

// The verdict cell: "clean", kinds joined by '+', "skipped: reason" or "error: reason".
std::string verdict_text(const EngineVerdict& verdict);

// The JSON document of `weft check --json FILE` (fields documented in the README).
nlohmann::json check_json(const std::vector<ScenarioCheck>& checks, const CheckSettings& settings, double seconds,
                          int exit_code);

// JUnit XML: <testsuites> with one <testsuite> per engine and one <testcase> per scenario and
// engine (classname "weft.<engine>", name the scenario); mismatches and errors are <failure>
// with the finding, the replay token (or rerun command) and a short trace; skipped verdicts
// are <skipped message="reason"/>.
std::string junit_xml(const std::vector<ScenarioCheck>& checks, double seconds);

// XML 1.0 text escaping (&, <, >, ", ') with characters XML cannot carry replaced by '?'.
std::string xml_escape(std::string_view text);

}  // namespace weft::check
