/**
 * Round-trip time of a link, smoothed the way TCP does (RFC 6298): the first
 * sample sets the estimate, later ones move it by 1/8. The smoothed value is
 * the link's cost for routing; the variance says how jittery it is.
 */
const ALPHA = 1 / 8;
const BETA = 1 / 4;

export class RttEstimator {
  private srtt: number | null = null;
  private rttvar = 0;
  private latest: number | null = null;
  private min: number | null = null;
  private count = 0;

  /** Add one sample in milliseconds (negative samples are clamped to 0). */
  add(sampleMs: number): void {
    const s = Math.max(0, sampleMs);
    this.latest = s;
    this.count++;
    this.min = this.min === null ? s : Math.min(this.min, s);
    if (this.srtt === null) {
      this.srtt = s;
      this.rttvar = s / 2;
      return;
    }
    this.rttvar = (1 - BETA) * this.rttvar + BETA * Math.abs(this.srtt - s);
    this.srtt = (1 - ALPHA) * this.srtt + ALPHA * s;
  }

  /** Smoothed RTT, or null before the first sample. */
  get smoothedMs(): number | null {
    return this.srtt;
  }

  get varianceMs(): number {
    return this.rttvar;
  }

  get latestMs(): number | null {
    return this.latest;
  }

  get minMs(): number | null {
    return this.min;
  }

  get samples(): number {
    return this.count;
  }
}
