/** A tiny benchmark harness: warm up, time each call, report median and p95 with units. No assertions: numbers. */
export interface Result {
  name: string;
  median: number;
  p95: number;
  runs: number;
}

export async function measure(name: string, runs: number, fn: () => unknown | Promise<unknown>): Promise<Result> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const pick = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  const result = { name, median: pick(0.5), p95: pick(0.95), runs };
  print(result);
  return result;
}

export function print(r: Result): void {
  const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
  console.log(
    `  ${r.name.padEnd(64)} median ${ms(r.median).padStart(8)} ms   p95 ${ms(r.p95).padStart(8)} ms   (${r.runs} runs)`,
  );
}

export function section(title: string): void {
  console.log(`\n${title}`);
}
