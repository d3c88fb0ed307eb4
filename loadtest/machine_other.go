//go:build !linux

package loadtest

// machineCPU is not measured on this system.
func machineCPU() (busy, total float64, ok bool) { return 0, 0, false }
