// Whether the process that drives a run (until its job exists) is still there. Only a process on
// this host can be checked; a record from another host (a shared folder) is taken as live, since
// nothing here can tell otherwise.
import { hostname } from 'node:os';
import type { RunDriver } from '../runs/runRecord';

export function isDriverAlive(driver: RunDriver | undefined): boolean {
  // Records from before drivers were kept are from processes long gone.
  if (!driver) return false;
  if (driver.host !== hostname()) return true;
  if (driver.pid === process.pid) return true;
  try {
    process.kill(driver.pid, 0); // signal 0: a probe, nothing is sent
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
