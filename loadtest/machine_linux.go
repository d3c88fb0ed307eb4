package loadtest

import (
	"bytes"
	"os"
	"strconv"
)

// machineCPU returns the CPU time all processes of the machine have used
// and the time all CPUs have been up, in clock ticks, from /proc/stat; the
// difference of two readings tells how busy the machine was, the load
// test's own process included.
func machineCPU() (busy, total float64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 5 || string(f[0]) != "cpu" {
		return 0, 0, false
	}
	for i, s := range f[1:] {
		v, err := strconv.ParseFloat(string(s), 64)
		if err != nil {
			return 0, 0, false
		}
		total += v
		if i != 3 && i != 4 { // idle and iowait are not work
			busy += v
		}
	}
	return busy, total, true
}
