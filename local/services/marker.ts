import { readdirSync, readFileSync } from 'node:fs';
import { projectRoot } from './paths.ts';
import { stopGroup } from './process.ts';

/*
 * Every server is started with two environment variables naming the checkout and the server, so `down` finds
 * it whatever the state file says (a start killed before it was recorded, a state file written over). The
 * environment survives `exec`, `setpriv` and the launch scripts, and other checkouts on the machine carry their
 * own path, so their servers are never touched. Linux only (/proc), as the OpenSearch launch (setpriv) is.
 */
export const CHECKOUT_VAR = 'SLUICE_CHECKOUT';
export const SERVER_VAR = 'SLUICE_SERVER';

/** The variables a server of this checkout is launched with. */
export const markerEnv = (server: string, checkout = projectRoot): Record<string, string> => ({
  [CHECKOUT_VAR]: checkout,
  [SERVER_VAR]: server,
});

export interface MarkedProcess {
  readonly pid: number;
  /** Its process group: servers are launched as group leaders, and stopped by group. */
  readonly pgid: number;
  readonly server: string;
}

const readProc = (pid: string, file: string): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
};

/** The process group from /proc/<pid>/stat; the command name in parentheses may itself hold spaces. */
const groupOf = (stat: string): number => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);

/** Live processes launched as servers of `checkout` (all servers, or the one named). */
export const markedProcesses = (server?: string, checkout = projectRoot): MarkedProcess[] => {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  const wanted = `${CHECKOUT_VAR}=${checkout}`;
  const found: MarkedProcess[] = [];
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    const environ = readProc(pid, 'environ');
    if (environ === undefined || !environ.includes(wanted)) continue;
    const vars = environ.split('\0');
    if (!vars.includes(wanted)) continue;
    const name = vars.find((v) => v.startsWith(`${SERVER_VAR}=`))?.slice(SERVER_VAR.length + 1);
    if (name === undefined || (server !== undefined && name !== server)) continue;
    const stat = readProc(pid, 'stat');
    if (stat === undefined) continue;
    found.push({ pid: Number(pid), pgid: groupOf(stat), server: name });
  }
  return found;
};

/** Stops every process group holding a marked process of `server` in `checkout`; the outcome of each group. */
export const stopMarked = async (
  server: string,
  checkout = projectRoot,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<('stopped' | 'killed' | 'not-running')[]> => {
  const own = groupOf(readProc('self', 'stat') ?? '') || -1;
  const groups = new Set(
    markedProcesses(server, checkout)
      .map((p) => p.pgid)
      .filter((pgid) => pgid > 1 && pgid !== own),
  );
  return Promise.all([...groups].map((pgid) => stopGroup(pgid, undefined, signal)));
};
