import { DelayHistogram, RecentEventLoopDelay, WINDOW_MS } from './recent-event-loop-delay';

/** A stand-in for perf_hooks' histogram: delays in milliseconds, reported in nanoseconds. */
class FakeHistogram implements DelayHistogram {
  samplesMs: number[] = [];
  get count() {
    return this.samplesMs.length;
  }
  get max() {
    return this.samplesMs.length ? Math.max(...this.samplesMs) * 1e6 : 0;
  }
  reset() {
    this.samplesMs = [];
  }
}

describe(RecentEventLoopDelay.name, () => {
  let histogram: FakeHistogram;
  let sut: RecentEventLoopDelay;
  let now: number;

  beforeEach(() => {
    histogram = new FakeHistogram();
    sut = new RecentEventLoopDelay(histogram);
    now = 1000;
    sut.tick(now);
  });

  it('reports the worst delay sampled in the window just closed', () => {
    histogram.samplesMs = [10.2, 48, 11];
    sut.tick((now += WINDOW_MS));

    expect(sut.delayMs).toBe(48);
  });

  it('starts each window afresh, so it reports 0 again once the loop has caught up', () => {
    histogram.samplesMs = [250];
    sut.tick((now += WINDOW_MS));
    sut.tick((now += WINDOW_MS));

    expect(sut.delayMs).toBe(0);
  });

  it('counts its own timer being late, which sees a long block before the histogram does', () => {
    // Blocked for 700 ms just after the last tick: the histogram has nothing yet.
    sut.tick((now += WINDOW_MS + 700));

    expect(sut.delayMs).toBe(700);
  });

  it('reads an empty window as no delay', () => {
    sut.tick((now += WINDOW_MS));

    expect(sut.delayMs).toBe(0);
  });
});
