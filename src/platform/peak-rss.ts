import fs from 'node:fs';

/**
 * This process's peak resident set size, in bytes. On Linux it is the high-water mark of the
 * process's own memory (`VmHWM`): `getrusage`'s `ru_maxrss` (Node's `resourceUsage().maxRSS`) keeps
 * the parent's peak across fork and exec, so a small child of a large process reported the
 * parent's (the export benchmark's export process: 593 MiB after the engine suite had grown the
 * benchmark's process, 85 MiB on its own). Elsewhere, `maxRSS`.
 */
export function peakRssBytes(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // No procfs (macOS, or a sandbox without it).
  }
  return process.resourceUsage().maxRSS * 1024;
}
