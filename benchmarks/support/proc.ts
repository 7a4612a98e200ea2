/**
 * CPU time of processes and process trees from /proc (Linux): what the benchmarks that measure worker
 * processes (distributed.ts, large-pool.ts) read, declared once.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks a second of /proc/<pid>/stat's times (Linux's USER_HZ). */
export const CLK_TCK = 100;

/** One process: its parent, its own user + system seconds, and its reaped children's (cutime + cstime). */
export interface ProcTimes {
  ppid: number;
  own: number;
  reaped: number;
}

/** Every live process's times, by pid (a process that ends while the table is read is left out). */
export function processTable(): Map<number, ProcTimes> {
  const m = new Map<number, ProcTimes>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // ended while we looked
    }
    // after the command name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    m.set(Number(name), {
      ppid: Number(f[1]),
      own: (Number(f[11]) + Number(f[12])) / CLK_TCK,
      reaped: (Number(f[13]) + Number(f[14])) / CLK_TCK,
    });
  }
  return m;
}

/**
 * CPU seconds of a process itself (`own`, all its threads) and of all its descendants: the live ones' own
 * time, and the time of every descendant that has exited, through the reaped-children times of its parent
 * (the process itself or a live descendant). Sampled between phases, the differences are each phase's CPU.
 */
export function treeCpu(pid: number, table = processTable()): { own: number; descendants: number } {
  let descendants = table.get(pid)?.reaped ?? 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    for (const [child, info] of table)
      if (info.ppid === p) {
        descendants += info.own + info.reaped;
        stack.push(child);
      }
  }
  return { own: table.get(pid)?.own ?? 0, descendants };
}
