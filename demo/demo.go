// Package demo ships the data a first run shows: Wenzhou's 2020 action plan
// for basic public services, as the plan office published it, and the city's
// county-level units with their resident population. `gongfu serve --demo`
// loads them into an empty database, with a plausible year of reports from
// Reports; tests, the browser test among them, use them as real data.
package demo

import _ "embed"

// PlanName is the seed plan's file name, used as its source name in diagnostics.
const PlanName = "wenzhou-2020-plan.txt"

// PlanText is the seed plan document (UTF-8 text).
//
//go:embed wenzhou-2020-plan.txt
var PlanText []byte

// CountiesCSV lists 温州市 and its 12 county-level units with year-end 2021
// resident population (万人) and urbanization rate, from the Wenzhou
// Statistics Bureau: name,kind,parent,population_10k_2021,urbanization_pct_2021.
//
//go:embed wenzhou-counties.csv
var CountiesCSV []byte
