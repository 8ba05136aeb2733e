// The `weft` executable's own source: main() comes from the weft_cli library and the scenarios
// from the catalog (weft_scenarios_model); this translation unit is intentionally empty.
