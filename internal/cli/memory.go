package cli

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// garbageBudget is how much memory the server lets garbage take above the
// live heap before it collects, once the register and the log's tree are
// loaded. The default rule (collect when the heap has doubled) would let
// garbage grow as large as a big register; a small percentage would
// collect many times a second on a small one.
const garbageBudget = 48 << 20

// loadingGC makes collections frequent while the register loads, so that
// the rows it reads and drops do not pile up. It does nothing when GOGC or
// GOMEMLIMIT set the policy.
func loadingGC() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(10)
	}
}

// servingGC bounds the process's memory at the live heap plus
// garbageBudget (or an eighth of the live heap, if larger), and follows
// the live heap as the register grows, checking every second. Below that
// bound the default rule applies, so a small heap is not collected
// needlessly. The bound is soft: a burst of allocation slows in more
// frequent collections rather than failing. GOGC or GOMEMLIMIT in the
// environment take precedence.
func servingGC(ctx context.Context) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(100)
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	bound := func() {
		metrics.Read(live)
		if live[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		n := int64(live[0].Value.Uint64())
		debug.SetMemoryLimit(n + max(garbageBudget, n/8))
	}
	bound()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				bound()
			}
		}
	}()
}
