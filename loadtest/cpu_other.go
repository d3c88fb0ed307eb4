//go:build !(linux || darwin || freebsd)

package loadtest

// cpuSeconds is not measured on this system.
func cpuSeconds() float64 { return 0 }

// peakRSSMB is not measured on this system.
func peakRSSMB() float64 { return 0 }
