/**
 * Seeded randomness for the demo company. Everything the generator draws comes from these
 * functions, never from Math.random or the clock, so one seed always gives the same company.
 */

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** mulberry32: a small, fast 32-bit generator with a full 2^32 period. */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Hashes a seed and stream coordinates into one 32-bit seed (murmur3's finaliser over each
 * part), so every account of the company gets its own independent stream: generating
 * account 812 does not depend on how many numbers accounts 0..811 drew.
 */
export function mixSeed(...parts: number[]): number {
  let hash = 0x9e3779b9;
  for (const part of parts) {
    const low = part >>> 0;
    const high = Math.floor(part / 4294967296) >>> 0;
    for (const word of [low, high]) {
      hash ^= word;
      hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
      hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
      hash ^= hash >>> 16;
    }
  }
  return hash >>> 0;
}

/** A generator for one stream of one seed. */
export function streamRng(seed: number, ...coordinates: number[]): Rng {
  return mulberry32(mixSeed(seed, ...coordinates));
}

export function uniform(rng: Rng, min: number, max: number): number {
  return min + (max - min) * rng();
}

/** An integer in [min, max], both ends included. */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function chance(rng: Rng, probability: number): boolean {
  return rng() < probability;
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[Math.floor(rng() * items.length)] as T;
}

/** Standard normal by Box-Muller (1 - u keeps the logarithm finite). */
export function standardNormal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Log-normal with the given median: delays in sales and marketing are skewed (most quick,
 * a long tail of slow ones), which is what this shape gives.
 */
export function logNormal(rng: Rng, median: number, sigma: number): number {
  return median * Math.exp(sigma * standardNormal(rng));
}

/** Running totals of weights, for pickCumulative. */
export function cumulative(weights: readonly number[]): number[] {
  const totals: number[] = [];
  let sum = 0;
  for (const weight of weights) {
    if (!(weight >= 0)) throw new Error(`weights must be non-negative numbers, got ${weight}`);
    sum += weight;
    totals.push(sum);
  }
  return totals;
}

/** Index drawn with probability proportional to its weight (binary search over running totals). */
export function pickCumulative(rng: Rng, totals: readonly number[]): number {
  const total = totals[totals.length - 1] ?? 0;
  if (!(total > 0)) throw new Error('pickCumulative needs a positive total weight');
  const target = rng() * total;
  let low = 0;
  let high = totals.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((totals[middle] as number) > target) high = middle;
    else low = middle + 1;
  }
  return low;
}

export function weightedIndex(rng: Rng, weights: readonly number[]): number {
  return pickCumulative(rng, cumulative(weights));
}

/** Number of failures before a success with the given mean (a geometric count). */
export function geometric(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  const p = 1 / (1 + mean);
  return Math.floor(Math.log(1 - rng()) / Math.log(1 - p));
}

/** A Poisson count (Knuth's method; the means used here are small). */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * standardNormal(rng)));
  const limit = Math.exp(-mean);
  let count = 0;
  let product = rng();
  while (product > limit) {
    count += 1;
    product *= rng();
  }
  return count;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
