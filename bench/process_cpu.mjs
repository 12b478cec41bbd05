// The CPU time a process has used, for the benchmarks' per-request and per-event costs: the sum over
// its threads of the scheduler's run time (/proc/PID/task/TID/schedstat, nanoseconds), so a
// difference between two readings is exact to the scheduler's accounting rather than to the 10 ms
// ticks of /proc/PID/stat. Threads that exit between two readings take their time with them.
import fs from 'node:fs';

export function cpuMs(pid) {
  let ns = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread exited since the listing
    }
  }
  return ns / 1e6;
}

// Runs `measure()` (sync or async) and adds `cpuUsPer`: the CPU µs `pid` used per `count(result)`.
export async function withCpu(pid, measure, count) {
  const before = cpuMs(pid);
  const result = await measure();
  return { ...result, cpuUsPer: ((cpuMs(pid) - before) * 1000) / count(result) };
}
