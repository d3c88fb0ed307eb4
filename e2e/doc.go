// Package e2e holds gongfu's browser tests: a real headless Chromium, driven
// from Go with chromedp, runs the whole monthly cycle against a real server
// in the same process — log in as every role, a county fills in and submits
// a month, the plan office returns it with a comment, the county fixes and
// resubmits, the plan office approves, the target's light changes on the
// dashboard and the bulletin downloads — at a phone's width and a laptop's,
// in Chinese and in English.
//
// Why a browser and not only the httptest-based tests of package http:
// those read the HTML a handler writes, but only a browser tells whether a
// form posts where it should, whether the page fits a 375-pixel screen,
// whether every field has a label a screen reader finds and whether the
// keyboard reaches the submit button. The same run saves the screenshots
// the README shows (GONGFU_SCREENSHOTS=docs/screenshots go test ./e2e/).
//
// The test skips when no Chromium is installed, unless CI is set, when it
// fails instead: .ci/run installs Chromium, so a missing browser there is a
// broken pipeline, not a reason to pass quietly. GONGFU_CHROME names the
// browser binary when it is not in a usual place.
package e2e
