/** @module The counter buffer's cells not yet taken by a flush, per (tenant, meter, minute). */
import type { BucketDelta } from "./counter-buffer.js";

type Cells = Map<string, Map<string, Map<number, number>>>;

/** The cells of a nested map as rows. */
function rowsOf(cells: Cells): BucketDelta[] {
  const out: BucketDelta[] = [];
  for (const [tenantId, byMeter] of cells) {
    for (const [meter, minutes] of byMeter) {
      for (const [minuteMs, n] of minutes) out.push({ tenantId, meter, minuteMs, n });
    }
  }
  return out;
}

/**
 * Counts accumulated in memory. tenant -> meter -> cells. Nested maps, not a joined string key: the
 * hot path allocates nothing once a (tenant, meter, minute) cell exists, and a check reads one
 * tenant's meter without a scan.
 */
export function createPendingCells(clock: () => number) {
  let cells: Cells = new Map();
  let count = 0;
  /** When the first cell was counted (clock ms). */
  let sinceMs = 0;

  /** Adds `n` units to a cell; returns how many cells there are now. */
  function add(tenantId: string, meter: string, minuteMs: number, n: number): number {
    let byMeter = cells.get(tenantId);
    if (byMeter === undefined) {
      byMeter = new Map();
      cells.set(tenantId, byMeter);
    }
    let minutes = byMeter.get(meter);
    if (minutes === undefined) {
      minutes = new Map();
      byMeter.set(meter, minutes);
    }
    const before = minutes.get(minuteMs);
    if (before === undefined) {
      minutes.set(minuteMs, n);
      if (count++ === 0) sinceMs = clock();
    } else {
      minutes.set(minuteMs, before + n);
    }
    return count;
  }

  /** Takes every cell (rows in no particular order) and when the first was counted; empties the set. */
  function take(): { rows: BucketDelta[]; sinceMs: number } {
    const taken = { rows: rowsOf(cells), sinceMs };
    cells = new Map();
    count = 0;
    return taken;
  }

  /** Units of one tenant's `meter` in minutes within [fromMs, toMs). */
  function sum(tenantId: string, meter: string, fromMs: number, toMs: number): number {
    let total = 0;
    const minutes = cells.get(tenantId)?.get(meter);
    if (minutes !== undefined) {
      for (const [minuteMs, n] of minutes) if (minuteMs >= fromMs && minuteMs < toMs) total += n;
    }
    return total;
  }

  function units(): number {
    let total = 0;
    for (const byMeter of cells.values()) {
      for (const minutes of byMeter.values()) for (const n of minutes.values()) total += n;
    }
    return total;
  }

  return {
    add,
    take,
    sum,
    units,
    rows: () => rowsOf(cells),
    get size() {
      return count;
    },
    get sinceMs() {
      return sinceMs;
    },
  };
}

export type PendingCells = ReturnType<typeof createPendingCells>;
