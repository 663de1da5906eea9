// The shim's `k6/metrics` module: custom Trend, Rate, Counter and Gauge metrics.
import { baseTags, defineMetric, emit } from './runtime.mjs';

class Metric {
  constructor(name, type) {
    defineMetric(name, type);
    this.name = name;
  }

  add(value, tags = {}) {
    emit(this.name, this.toSample(value), { ...baseTags(), ...tags });
    return true;
  }

  toSample(value) {
    const number = Number(value);
    if (!Number.isFinite(number)) throw new Error(`metric ${this.name}: ${value} is not a number`);
    return number;
  }
}

export class Trend extends Metric {
  constructor(name, isTime = false) {
    super(name, 'trend');
    this.isTime = isTime;
  }
}

export class Counter extends Metric {
  constructor(name) {
    super(name, 'counter');
  }
}

export class Gauge extends Metric {
  constructor(name) {
    super(name, 'gauge');
  }
}

/** k6's Rate: a non-zero (truthy) value counts as a success. */
export class Rate extends Metric {
  constructor(name) {
    super(name, 'rate');
  }

  toSample(value) {
    return value ? 1 : 0;
  }
}

export default { Counter, Gauge, Rate, Trend };
