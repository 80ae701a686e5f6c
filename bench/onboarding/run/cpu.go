package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux this runs on.
const clockTick = 10 * time.Millisecond

// cpuMeter reads the CPU time (user + system, from /proc/<pid>/stat) of
// the server, of the whole PostgreSQL cluster (the postmaster and every
// process it started: backends, autovacuum, WAL writer, checkpointer;
// backends that exited count through the postmaster's children's times)
// and of this program. A pid of 0 is not measured.
type cpuMeter struct {
	server, postmaster int
}

type cpuTimes struct {
	server, pg, client time.Duration
	measured           bool
}

func (c cpuTimes) plus(o cpuTimes) cpuTimes {
	return cpuTimes{server: c.server + o.server, pg: c.pg + o.pg, client: c.client + o.client, measured: c.measured || o.measured}
}

func (c cpuTimes) minus(o cpuTimes) cpuTimes {
	return cpuTimes{server: c.server - o.server, pg: c.pg - o.pg, client: c.client - o.client, measured: c.measured}
}

// perRequest is the CPU each process spent per request, in ms.
func (c cpuTimes) perRequest(n int64) string {
	if !c.measured || n == 0 {
		return ""
	}
	per := func(d time.Duration) float64 { return ms(d) / float64(n) }
	return fmt.Sprintf("cpu/req: server %.3f  pg %.3f  client %.3f ms", per(c.server), per(c.pg), per(c.client))
}

func (m cpuMeter) sample() cpuTimes {
	t := cpuTimes{measured: true}
	if m.server > 0 {
		t.server, _ = procCPU(m.server, false)
	}
	t.client, _ = procCPU(os.Getpid(), false)
	if m.postmaster > 0 {
		t.pg, _ = procCPU(m.postmaster, true)
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			if ppid, err := procParent(pid); err == nil && ppid == m.postmaster {
				d, _ := procCPU(pid, false)
				t.pg += d
			}
		}
	}
	return t
}

// procStat is the fields of /proc/pid/stat after the command name (field
// 3 onwards, so field k of proc(5) is f[k-3]).
func procStat(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return nil, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	return f, nil
}

func procParent(pid int) (int, error) {
	f, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(f[1])
}

// procCPU is utime + stime (fields 14, 15), with the waited-for children's
// cutime + cstime (16, 17) when children is set.
func procCPU(pid int, children bool) (time.Duration, error) {
	f, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	fields := f[11:13]
	if children {
		fields = f[11:15]
	}
	var ticks int64
	for _, s := range fields {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += v
	}
	return time.Duration(ticks) * clockTick, nil
}
