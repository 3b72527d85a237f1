// Checks that this process runs behind both network fences (loopback-only namespace + loopback guard preload).
// Real clients phone Google on their own, so a test that starts one refuses to run outside the fences.
import os from 'node:os';

// Names of the network interfaces this process can see; inside `unshare -n` only `lo` exists.
export function interface_names() {
  return Object.keys(os.networkInterfaces()).sort();
}

export function in_loopback_namespace() {
  const names = interface_names();
  return names.length === 1 && names[0] === 'lo';
}

export function guard_preloaded() {
  return /loopback-guard\.cjs/.test(process.env.NODE_OPTIONS || '') ||
    process.execArgv.some((a) => /loopback-guard\.cjs/.test(a));
}

// Throws with a message that says how to run the tests properly.
export function require_fences() {
  const problems = [];
  if (!in_loopback_namespace()) problems.push(`network interfaces are [${interface_names().join(', ')}], not just lo`);
  if (!guard_preloaded()) problems.push('loopback-guard.cjs is not preloaded via NODE_OPTIONS');
  if (problems.length) {
    throw new Error(`refusing to start a real client outside the network fences (${problems.join('; ')}); ` +
      'run these tests through tests/clients/run.sh');
  }
}
