package bench

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Usage is what the process used during one measured step: memory, and
// CPU time across all its threads (DuckDB's included).
//
// RSS is read from Linux: writing "5" to /proc/self/clear_refs resets
// the peak resident set size (VmHWM) to the current one, so VmHWM read
// from /proc/self/status afterwards is the peak of that step alone,
// DuckDB's C++ allocations included. The Go heap peak is sampled from
// runtime/metrics every 5 ms, so a shorter spike can be missed.
type Usage struct {
	// RSSBefore is the resident set when the step began.
	RSSBefore int64 `json:"rssBefore"`
	// PeakRSS is VmHWM after the step: the most the process held.
	PeakRSS int64 `json:"peakRss"`
	// GoHeapPeak is the largest sampled size of live and unswept Go
	// heap objects.
	GoHeapPeak int64 `json:"goHeapPeak"`
	// HWMReset is false when clear_refs could not be written; PeakRSS
	// is then the peak of the whole process so far.
	HWMReset bool `json:"hwmReset"`
	// CPUSeconds is user and system time of the whole process; over
	// the step's wall time it says how many cores were busy.
	CPUSeconds float64 `json:"cpuSeconds"`
}

// memWatch measures one step; stop ends it.
type memWatch struct {
	m    Usage
	cpu  float64
	quit chan struct{}
	wg   sync.WaitGroup
}

// watchUsage collects garbage, resets the peak and starts sampling.
func watchUsage() *memWatch {
	runtime.GC()
	debug.FreeOSMemory()
	w := &memWatch{quit: make(chan struct{})}
	w.m.HWMReset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	w.m.RSSBefore = procStatus("VmRSS")
	w.cpu = cpuSeconds()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	w.wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			w.m.GoHeapPeak = max(w.m.GoHeapPeak, int64(sample[0].Value.Uint64()))
			select {
			case <-w.quit:
				return
			case <-tick.C:
			}
		}
	})
	return w
}

func (w *memWatch) stop() Usage {
	close(w.quit)
	w.wg.Wait()
	w.m.PeakRSS = procStatus("VmHWM")
	w.m.CPUSeconds = cpuSeconds() - w.cpu
	return w.m
}

// cpuSeconds is the process's user and system time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// procStatus reads a size field of /proc/self/status in bytes; 0 when
// it cannot be read.
func procStatus(field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	return statusField(string(raw), field)
}

// statusField finds a "Name:   123 kB" line of a /proc status file and
// returns its size in bytes; 0 when it is missing.
func statusField(status, field string) int64 {
	for line := range strings.Lines(status) {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}
