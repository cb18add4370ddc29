import type { Registry } from "prom-client";

/** A sample as prom-client's registry renders it. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * The part of prom-client's metric contract its Registry renders: name, help,
 * type and the samples. Instruments implementing it keep their values in plain
 * fields, so that the engine's hot paths pay a few additions per report, not
 * prom-client's label hashing and validation on every call (docs/design.md §5).
 */
abstract class Instrument<S> {
  private readonly all = new Map<string, { labels: Record<string, string>; series: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series of these label values (in labelNames' order), created at first use. */
  protected seriesOf(values: readonly string[]): S {
    const key = values.join("\u0000");
    const found = this.all.get(key);
    if (found) return found.series;
    const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] as string]));
    const series = this.newSeries();
    this.all.set(key, { labels, series });
    return series;
  }

  protected abstract newSeries(): S;
  protected abstract samples(labels: Record<string, string>, series: S): Sample[];
  abstract readonly type: string;

  /** What prom-client's Registry renders. */
  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    const values: Sample[] = [];
    for (const { labels, series } of this.all.values()) values.push(...this.samples(labels, series));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: "sum" };
  }
}

/** One counter series. */
export class CounterSeries {
  value = 0;
}

/** A counter with labels. */
export class Counter extends Instrument<CounterSeries> {
  readonly type = "counter";

  inc(values: readonly string[], by = 1): void {
    this.seriesOf(values).value += by;
  }

  protected newSeries(): CounterSeries {
    return new CounterSeries();
  }

  protected samples(labels: Record<string, string>, series: CounterSeries): Sample[] {
    return [{ labels, value: series.value }];
  }
}

/** One histogram series: a count per bucket (not cumulative; the last is +Inf), sum and count. */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let bucket = 0;
    while (bucket < this.bounds.length && value > (this.bounds[bucket] as number)) bucket++;
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/** A histogram with labels (none: `series([])`). */
export class Histogram extends Instrument<HistogramSeries> {
  readonly type = "histogram";

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }

  /** The series of these label values: keep it to observe without a lookup. */
  series(values: readonly string[]): HistogramSeries {
    return this.seriesOf(values);
  }

  protected newSeries(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }

  protected samples(labels: Record<string, string>, series: HistogramSeries): Sample[] {
    const samples: Sample[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += series.counts[i] as number;
      samples.push({
        labels: { ...labels, le: bound },
        value: cumulative,
        metricName: `${this.name}_bucket`,
      });
    });
    samples.push(
      { labels: { ...labels, le: "+Inf" }, value: series.count, metricName: `${this.name}_bucket` },
      { labels, value: series.sum, metricName: `${this.name}_sum` },
      { labels, value: series.count, metricName: `${this.name}_count` },
    );
    return samples;
  }
}
