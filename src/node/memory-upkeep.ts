/**
 * Keeps a long-running daemon's resident memory near what it really uses.
 *
 * Two kinds of garbage outlive the traffic that made them:
 *
 * - Dead objects promoted to V8's old generation. Packet-path objects that
 *   happen to be alive at a young-generation collection are promoted, die
 *   soon after, and wait for a full collection; V8 starts one only when the
 *   old generation reaches a limit sized for large heaps, or when its memory
 *   reducer sees the process go quiet. A daemon under steady light traffic is
 *   never quiet, so its old generation (and with it the packet buffers those
 *   objects still point at) grows for tens of minutes before the first full
 *   collection. When the old generation has grown OLD_GROWTH_BYTES past the
 *   least it held since the last full collection, one is run, at most once a
 *   MIN_FULL_COLLECTION_GAP_MS; on a heap this size it is a pause of a few
 *   milliseconds, and packets that arrive during it wait in the socket.
 * - Free pages that glibc keeps after packet buffers are freed: without a trim
 *   a daemon stays at the peak of its busiest second forever (native/heap.c).
 *   A trim gives the pages back but leaves the chunks counted as free, so the
 *   count alone says nothing; what says "pages came back into use and were
 *   freed again" is free space TRIM_ABOVE_BYTES above the least seen since the
 *   last trim. Then they go back.
 *
 * And one kind of clean memory: pages of the executable (native/heap.c).
 * They are dropped once start-up is over, and what comes back is mostly what
 * the running daemon uses, but not all: the first seconds of heavy traffic
 * also run code that steady traffic never touches again (V8 optimising the
 * packet path, growing and shrinking its heap), and those pages would stay
 * counted in the daemon's resident memory for as long as it runs. So the
 * check after a drop notes how many file pages came back (what the daemon
 * uses now), and when more than PROGRAM_GROWTH_BYTES have come back on top
 * of that, they are dropped again. The pages still in use fault back in from
 * the page cache within milliseconds, and the next check notes the new
 * level; pages only come back when touched, so a daemon whose code in use
 * does not change drops nothing, and one drop (a few milliseconds of
 * /proc/self/smaps) follows each burst of new code at most.
 *
 * All are checked every CHECK_INTERVAL_MS on one timer. An idle daemon's check
 * finds nothing to do. Without `--expose-gc` (one of the daemon's Node flags,
 * node/node-flags.ts) V8 collects on its own schedule; without the allocator
 * addon (no C toolchain, or not glibc) freed pages stay with the process.
 */
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { MemoryStatus } from '../control/protocol.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { residentFileBytes, type MallocHeap } from '../util/malloc-heap.js';
import { exposedFullCollector } from '../util/v8-collector.js';
import type { Service } from './lifecycle.js';

export const CHECK_INTERVAL_MS = 2_000;
/** Less freed than this since the last trim would return too little to be worth the later page faults. */
export const TRIM_ABOVE_BYTES = 1024 * 1024;
/** Old-generation growth worth a full collection: small against the daemon's footprint, large against a routing table's churn. */
export const OLD_GROWTH_BYTES = 2 * 1024 * 1024;
/** A live set that really grows (a mesh being joined) must not cost a full collection every check. */
export const MIN_FULL_COLLECTION_GAP_MS = 30_000;
/** Executable pages come back as code runs; this much more than the daemon settled at after the last drop is worth dropping again. */
export const PROGRAM_GROWTH_BYTES = 2 * 1024 * 1024;

/** V8's old generation, as the upkeep sees it. */
export interface OldGeneration {
  usedBytes(): number;
  /** Runs a full (mark-compact) collection. */
  collect(): void;
}

/** The old generation of this process, when `--expose-gc` lets it be collected on demand. */
export function exposedOldGeneration(): OldGeneration | undefined {
  const collect = exposedFullCollector();
  if (collect === undefined) return undefined;
  return {
    usedBytes: () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0,
    collect,
  };
}

export interface MemoryUpkeepCounters {
  checks: number;
  trims: number;
  fullCollections: number;
  /** Drops of the executable's pages, the one when start-up is over included. */
  programReleases: number;
}

export class MemoryUpkeep implements Service {
  readonly name = 'memory upkeep';
  readonly counters: MemoryUpkeepCounters = { checks: 0, trims: 0, fullCollections: 0, programReleases: 0 };
  private timer: TimerHandle | undefined;
  /** The least the old generation held since the last full collection: the live set, as near as a sample can tell. */
  private oldFloor: number | undefined;
  private lastFullCollectionAt = Number.NEGATIVE_INFINITY;
  private lastFullCollectionPauseMs: number | null = null;
  /** The least the allocator held free since the last trim (0 before the first: a start leaves pages to give back). */
  private freeFloor = 0;
  private programPagesReleased: number | null = null;
  /** Resident file pages the check after the last drop found (what the daemon uses), undefined until that check. */
  private programFloor: number | undefined;

  constructor(
    private readonly heap: MallocHeap | undefined,
    private readonly oldGeneration: OldGeneration | undefined,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly programResident: () => number = residentFileBytes,
  ) {}

  start(): void {
    if (this.heap === undefined) this.log.debug({}, 'memory upkeep: the allocator addon is not built; freed memory stays with the process');
    if (this.oldGeneration === undefined) this.log.debug({}, 'memory upkeep: gc is not exposed; V8 collects its old generation on its own schedule');
    if (this.heap === undefined && this.oldGeneration === undefined) return;
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** This process's memory now, for `skein status`. */
  status(): MemoryStatus {
    const usage = process.memoryUsage();
    // mallinfo2 walks every arena under its lock: once per status, not twice.
    const cInUse = this.heap?.inUseBytes() ?? -1;
    return {
      rssBytes: usage.rss,
      v8HeapBytes: getHeapStatistics().total_physical_size,
      v8HeapUsedBytes: usage.heapUsed,
      externalBytes: usage.external,
      cHeapInUseBytes: cInUse < 0 ? null : cInUse,
      fullCollections: this.counters.fullCollections,
      lastFullCollectionPauseMs: this.lastFullCollectionPauseMs,
      trims: this.counters.trims,
      programPagesReleasedBytes: this.programPagesReleased,
    };
  }

  /** One check (the timer's work). */
  check(): void {
    this.counters.checks++;
    if (this.counters.checks === 1) this.releaseProgramPages();
    else this.releaseGrownProgramPages();
    this.collectOldGarbage();
    this.trimFreedPages();
  }

  /**
   * Most of the executable's pages that loading Node.js and the daemon
   * touched are never used again (native/heap.c). The daemon calls this
   * before its services start, so that their start does not add to what
   * loading left; the first check calls it once more, when start-up is
   * over. After that, only when more have come back than the daemon uses
   * (releaseGrownProgramPages).
   */
  releaseProgramPages(): void {
    const released = this.heap?.releaseProgramPages() ?? -1;
    this.programFloor = undefined;
    if (released < 0) return;
    this.counters.programReleases++;
    this.programPagesReleased = (this.programPagesReleased ?? 0) + released;
    this.log.debug({ releasedBytes: released }, 'memory upkeep: executable pages dropped');
  }

  private releaseGrownProgramPages(): void {
    if (this.heap === undefined) return;
    const resident = this.programResident();
    if (resident < 0) return;
    if (this.programFloor === undefined) {
      this.programFloor = resident;
      return;
    }
    this.programFloor = Math.min(this.programFloor, resident);
    if (resident - this.programFloor > PROGRAM_GROWTH_BYTES) this.releaseProgramPages();
  }

  private trimFreedPages(): void {
    const heap = this.heap;
    if (heap === undefined) return;
    const free = heap.freeBytes();
    this.freeFloor = Math.min(this.freeFloor, free);
    if (free - this.freeFloor <= TRIM_ABOVE_BYTES) return;
    if (heap.trim()) this.counters.trims++;
    this.freeFloor = heap.freeBytes();
  }

  private collectOldGarbage(): void {
    const old = this.oldGeneration;
    if (old === undefined) return;
    const used = old.usedBytes();
    this.oldFloor = Math.min(this.oldFloor ?? used, used);
    const now = this.clock.monotonic();
    if (used - this.oldFloor < OLD_GROWTH_BYTES || now - this.lastFullCollectionAt < MIN_FULL_COLLECTION_GAP_MS) return;
    old.collect();
    this.lastFullCollectionPauseMs = this.clock.monotonic() - now;
    this.counters.fullCollections++;
    this.lastFullCollectionAt = now;
    this.oldFloor = old.usedBytes();
    this.log.debug({ oldGenerationBefore: used, oldGenerationAfter: this.oldFloor, pauseMs: this.lastFullCollectionPauseMs }, 'memory upkeep: full collection');
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.check();
      this.schedule();
    }, CHECK_INTERVAL_MS);
  }
}
